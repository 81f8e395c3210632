// `ebm train TASK` (every task with a learned energy) and `ebm train-ar sudoku`: the shared training
// loop (ebm/trainer.h) over the task's recipe.
#include "cli/commands.h"
#include "cli/local_launcher.h"
#include "cli/option_checks.h"
#include "cli/task_flags.h"

#include "ebm/runtime/device.h"
#include "ebm/trainer.h"
#include "ebm/tasks/registry.h"
#include "tasks/sudoku/ar_training.h"

#include <iostream>

namespace ebm::cli {

namespace {

struct TrainFlags {
  TrainingOptions options;
  std::string device = "cpu";
  int threads = 1;
  int local_processes = 1;  // > 1: launch that many local ranks instead of training here
};

constexpr const char* kLocalProcessesFlag = "--local-processes";

void add_loop_flags(CLI::App* cmd, TrainFlags& f) {
  auto& o = f.options;
  cmd->add_option("--steps", o.steps, "optimizer steps in total")
      ->capture_default_str()
      ->check(integer_in(1, kMaxTrainSteps));
  cmd->add_option("--batch", o.batch, "examples per step")->capture_default_str()->check(integer_in(1, kMaxBatch));
  cmd->add_option("--lr", o.learning_rate, "Adam learning rate")->capture_default_str()->check(real_in(0, 10, true));
  cmd->add_option("--validate-every", o.validate_every, "steps between validation and checkpoint")
      ->capture_default_str()
      ->check(integer_in(1, kMaxTrainSteps));
  cmd->add_option("--seed", o.seed, "seed of data, weight initialisation and training (the same seed gives the same weights)")->capture_default_str()->check(unsigned_seed());
  cmd->add_option("-o,--output", o.output, "checkpoint path (weights, metadata and optimizer state in one file)")->capture_default_str();
  cmd->add_flag("--resume", o.resume, "continue from the checkpoint at --output");
  cmd->add_option("--time-limit", o.max_seconds,
                  "stop after this many seconds of training (validates and checkpoints there); 0 = none.\n"
                  "Give every model the same limit to compare them at equal training time")
      ->capture_default_str()
      ->check(real_in(0, 3.6e6));
  cmd->add_option("--device", f.device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  cmd->add_option("--threads", f.threads, "LibTorch threads (0 = LibTorch default)")
      ->capture_default_str()
      ->check(thread_count());
  auto* world = cmd->add_option("--world-size", o.world_size,
                                "data-parallel processes in all (docs/TRAINING.md); each computes batch / world-size\n"
                                "rows of every batch and gradients are averaged; 1 = not distributed")
                    ->capture_default_str()
                    ->check(integer_in(1, 1024));
  auto* rank = cmd->add_option("--rank", o.rank, "this process, 0 .. world-size - 1; rank 0 validates and checkpoints")
                   ->capture_default_str()
                   ->check(integer_in(0, 1023));
  auto* master = cmd->add_option("--master", o.master, "HOST:PORT where rank 0 serves the rendezvous (world-size > 1)");
  cmd->add_option("--dist-timeout", o.distributed_timeout,
                  "seconds a rank may stay silent (or take to join) before the run fails")
      ->capture_default_str()
      ->check(real_in(0, 86400, true));
  cmd->add_option(kLocalProcessesFlag, f.local_processes,
                  "start N ranks of this command on this machine (a free 127.0.0.1 port), each with\n"
                  "--world-size N --rank R --master; stops them all when one fails")
      ->check(integer_in(1, 64))
      ->excludes(world)
      ->excludes(rank)
      ->excludes(master);
}

// With --local-processes N > 1, starts the ranks and records their outcome as the exit status;
// returns whether it did (then this process trains nothing).
bool launched_locally(const TrainFlags& f, const std::vector<std::string>& arguments) {
  if (f.local_processes <= 1) return false;
  if (f.options.batch % f.local_processes != 0)
    throw std::invalid_argument("train: batch (" + std::to_string(f.options.batch) +
                                ") must divide evenly over the world size (" + std::to_string(f.local_processes) +
                                ")");
  exit_status() = launch_local_ranks(arguments, kLocalProcessesFlag, f.local_processes, std::cout, std::cerr);
  return true;
}

void report(const TrainingOptions& options, const TrainingResult& result) {
  if (options.rank != 0) return;  // rank 0 speaks for the run
  std::cout << "done: " << result.steps << " steps, loss " << result.final_loss << ", metrics "
            << result.metrics.dump() << "\n";
}

bool trainable(const Task& task) {
  for (const auto& p : task.parameters())
    if (p.use & kTrainParameter) return true;
  return false;
}

}  // namespace

void add_train_commands(CLI::App& app, const std::string& command_line, const std::vector<std::string>& arguments) {
  auto* train = app.add_subcommand("train", "train a task's learned energy (see docs/TRAINING.md)");
  train->require_subcommand(1);
  for (const auto& task : all_tasks()) {
    if (!trainable(*task)) continue;
    auto* cmd = train->add_subcommand(
        task->name(), "train a learned model of " + task->name() +
                          " (its energy; --model, where listed, picks a baseline instead); validates and\n"
                          "checkpoints (atomically) every --validate-every steps, and\n"
                          "--resume continues from the checkpoint. Data come from the task's train split, validation\n"
                          "from its validation split: never the test problems that eval and bench use.");
    auto f = std::make_shared<TrainFlags>();
    f->options.output = task->name() + "-energy.ckpt";
    f->options.command_line = command_line;
    auto parameters = std::make_shared<TaskParameters>();
    add_parameter_flags(cmd, task->parameters(), kTrainParameter, parameters);
    add_loop_flags(cmd, *f);
    cmd->callback([task, f, parameters, arguments] {
      if (launched_locally(*f, arguments)) return;
      set_threads(f->threads);
      f->options.device = resolve_device(f->device);
      auto recipe = task->training_recipe(f->options, *parameters);
      if (!recipe) throw std::runtime_error("task '" + task->name() + "' has no learned energy to train");
      report(f->options, run_training(*recipe, f->options, std::cout));
    });
  }

  auto* train_ar = app.add_subcommand("train-ar", "train the autoregressive transformer baseline");
  train_ar->require_subcommand(1);
  auto* cmd = train_ar->add_subcommand(
      "sudoku",
      "train the causal-transformer baseline on the same generated boards as `ebm train sudoku`, with\n"
      "teacher forcing (cross-entropy on answer tokens). --order fixed writes the 81 digits row-major;\n"
      "--order solver writes (cell, digit) pairs in the order a deductive solver fills the blanks.\n"
      "--params N matches the parameter count (e.g. to the learned EBM's 165953). Validates (greedy\n"
      "decoding, exact verifier) and checkpoints atomically every --validate-every steps; --resume.");
  auto f = std::make_shared<TrainFlags>();
  f->options.output = "sudoku-ar.ckpt";
  f->options.learning_rate = 3e-4;
  f->options.command_line = command_line;
  auto parameters = std::make_shared<TaskParameters>();
  add_parameter_flags(cmd, sudoku::ar_training_parameters(), kTrainParameter, parameters);
  add_loop_flags(cmd, *f);
  cmd->callback([f, parameters, arguments] {
    if (launched_locally(*f, arguments)) return;
    set_threads(f->threads);
    f->options.device = resolve_device(f->device);
    auto recipe = sudoku::ar_training_recipe(f->options, *parameters);
    report(f->options, run_training(*recipe, f->options, std::cout));
  });
}

}  // namespace ebm::cli
