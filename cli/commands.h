// The `ebm` program's subcommands. Each add_* function registers subcommands on the app and their
// callbacks; the callbacks map flags to library options and print results. No logic lives here
// that an embedding program would need.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace ebm::cli {

// One function per command, in cmd_COMMAND.cpp.
void add_version_command(CLI::App& app);   // version
void add_samplers_command(CLI::App& app);  // samplers
void add_tasks_command(CLI::App& app);     // tasks
void add_demo_command(CLI::App& app);      // demo
void add_solve_command(CLI::App& app);     // solve TASK
void add_generate_command(CLI::App& app);  // generate TASK
// train TASK (--model energy | feedforward | ar ...), and train-ar's retirement notice; command_line is
// recorded in checkpoints, arguments (argv) are what --local-processes starts its ranks with.
void add_train_commands(CLI::App& app, const std::string& command_line, const std::vector<std::string>& arguments);
void add_eval_command(CLI::App& app);             // eval --task TASK
void add_sweep_command(CLI::App& app);            // sweep --task TASK
void add_bench_command(CLI::App& app);            // bench samplers, and the two below
void add_bench_task_commands(CLI::App& bench);    // bench TASK, for every task
void add_bench_chains_command(CLI::App& bench);   // bench chains: time per step as chains grow
void add_serve_command(CLI::App& app);            // serve: HTTP or --stdio, continuous batching
void add_info_command(CLI::App& app);             // info FILE...: what a checkpoint holds, whether it is sound
void add_checkpoint_diff_command(CLI::App& app);  // checkpoint-diff A B

}  // namespace ebm::cli
