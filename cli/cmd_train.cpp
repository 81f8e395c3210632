// `ebm train TASK [--model KIND]`: the shared training loop (<ebm/trainer.h>) over the recipe of the
// model asked for (the task's energy or baseline, or the autoregressive baseline of every task with
// tokens). `ebm train-ar` is retired, with a message pointing here.
#include "commands.h"
#include "exit_codes.h"
#include "local_launcher.h"
#include "option_checks.h"
#include "task_flags.h"

#include "ebm/device.h"
#include "ebm/trainer.h"
#include "ebm/tasks/registry.h"

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
  cmd->add_option("-o,--output", o.output,
                  "checkpoint path (weights, metadata and optimizer state in one file); default TASK-MODEL.ckpt");
  cmd->add_flag("--resume", o.resume, "continue from the checkpoint at --output");
  cmd->add_option("--time-limit", o.max_seconds,
                  "stop after this many seconds of training (validates and checkpoints there); 0 = none.\n"
                  "Give every model the same limit to compare them at equal training time")
      ->capture_default_str()
      ->check(real_in(0, 3.6e6));
  add_device_flags(cmd, f.device, f.threads);
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

// The models `ebm train TASK --model` offers: the task's own, then the AR baseline where it has tokens.
std::vector<std::string> model_choices(const Task& task) {
  std::vector<std::string> models = task.learned_models();
  if (task.token_sequence({})) models.push_back("ar");
  return models;
}

std::string joined(const std::vector<std::string>& names, const char* separator) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : separator) + name;
  return text;
}

}  // namespace

void add_train_commands(CLI::App& app, const std::string& command_line, const std::vector<std::string>& arguments) {
  auto* train = app.add_subcommand("train", "train a task's learned energy or a baseline (see docs/TRAINING.md)");
  train->require_subcommand(1);
  for (const auto& task : all_tasks()) {
    const auto models = model_choices(*task);
    if (models.empty()) continue;
    auto* cmd = train->add_subcommand(
        task->name(), "train a learned model of " + task->name() + ": --model " + joined(models, " | ") +
                          " (ar: the autoregressive\n"
                          "transformer baseline over the task's tokens). Validates and checkpoints (atomically) every\n"
                          "--validate-every steps, and --resume continues from the checkpoint. Data come from the task's\n"
                          "train split, validation from its validation split: never the test problems that eval and bench use.");
    auto f = std::make_shared<TrainFlags>();
    f->options.command_line = command_line;
    auto parameters = std::make_shared<TaskParameters>();
    add_parameter_flags(cmd, training_parameters(*task), TrainParameter, parameters);
    add_loop_flags(cmd, *f);
    cmd->callback([task, f, parameters, arguments] {
      if (launched_locally(*f, arguments)) return;
      set_threads(f->threads);
      f->options.device = resolve_device(f->device);
      const auto chosen = parameters->find("model");
      const std::string model = chosen != parameters->end() ? chosen->second : model_choices(*task).front();
      if (f->options.output.empty()) f->options.output = task->name() + "-" + model + ".ckpt";
      report(f->options, run_training(*make_training_recipe(*task, f->options, *parameters), f->options, std::cout));
    });
  }

  auto* retired = app.add_subcommand("train-ar", "retired: use `ebm train TASK --model ar`");
  retired->allow_extras();
  retired->callback([] {
    throw InputError("`ebm train-ar` was retired: the autoregressive baseline of every task with tokens is now "
                     "`ebm train TASK --model ar` (e.g. ebm train sudoku --model ar --order solver); see ebm train --help");
  });
}

}  // namespace ebm::cli
