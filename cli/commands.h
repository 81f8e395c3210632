// The `ebm` program's subcommands. Each add_* function registers subcommands on the app and their
// callbacks; the callbacks map flags to library options and print results. No logic lives here
// that an embedding program would need.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace ebm::cli {

void add_version_command(CLI::App& app);
void add_samplers_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_bench_command(CLI::App& app);         // bench samplers, bench TASK
void add_task_commands(CLI::App& app);         // solve TASK, generate TASK, tasks
// train TASK (tasks with a learned energy) and train-ar sudoku; command_line is recorded in checkpoints,
// arguments (argv) are what --local-processes starts its ranks with.
void add_train_commands(CLI::App& app, const std::string& command_line, const std::vector<std::string>& arguments);
void add_eval_command(CLI::App& app);
void add_info_command(CLI::App& app);      // info FILE...: what a checkpoint holds, and whether it is sound
void add_serve_command(CLI::App& app);     // serve: HTTP or --stdio, continuous batching
void add_checkpoint_command(CLI::App& app);  // checkpoint-diff A B   // eval --task TASK
void add_sweep_command(CLI::App& app);  // sweep --task TASK
// bench TASK for every task (registered on the `bench` subcommand).
void add_bench_task_commands(CLI::App& bench);
// bench chains: time per step as chains per problem grow (registered on the `bench` subcommand).
void add_bench_chains_command(CLI::App& bench);

// Applies --threads (0 = keep LibTorch's default) and returns the number in force.
int apply_threads(int threads);

}  // namespace ebm::cli
