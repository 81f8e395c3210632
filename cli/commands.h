// The `ebm` program's subcommands. Each add_* function registers one subcommand on the app and
// its callback; the callbacks map flags to library options and print results. No logic lives here
// that an embedding program would need.
#pragma once

#include <CLI/CLI.hpp>

namespace ebm::cli {

void add_version_command(CLI::App& app);
void add_samplers_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_sudoku_commands(CLI::App& app);  // generate sudoku, solve sudoku
// train sudoku; command_line is recorded in checkpoints.
void add_train_command(CLI::App& app, const std::string& command_line);
void add_train_ar_command(CLI::App& app, const std::string& command_line);  // train-ar sudoku
void add_eval_command(CLI::App& app);   // eval
void add_sweep_command(CLI::App& app);  // sweep
// bench sudoku (registered on the `bench` subcommand).
void add_bench_sudoku_command(CLI::App& bench);

// Applies --threads (0 = keep LibTorch's default) and returns the number in force.
int apply_threads(int threads);

}  // namespace ebm::cli
