// `ebm generate TASK`: seeded problems of one split, one subcommand per task that has a generator.
#include "commands.h"
#include "option_checks.h"
#include "task_flags.h"

#include "ebm/atomic_file.h"
#include "ebm/tasks/registry.h"

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace ebm::cli {

namespace {

struct GenerateFlags {
  int64_t count = 100;
  uint64_t seed = 0;
  std::string split = "test", output;
  int threads = 0;
};

void add_generate_task(CLI::App* generate, const TaskPtr& task) {
  const bool per_file = task->one_problem_per_file();
  auto* cmd = generate->add_subcommand(
      task->name(), "seeded " + task->name() + " problems (with their known answers where the format has room).\n" +
                        (per_file ? "One file per problem: -o DIR writes DIR/" + task->name() + "-NNNN" +
                                        task->file_extension() + "; without -o, problems go to stdout one after another."
                                  : "All problems in one file (-o FILE, atomically) or on stdout.") +
                        "\nSplits: a problem belongs to train, validation or test by a hash of its content, so the "
                        "three streams never overlap whatever the seeds.");
  auto f = std::make_shared<GenerateFlags>();
  auto parameters = std::make_shared<TaskParameters>();
  cmd->add_option("--count", f->count, "number of problems")->capture_default_str()->check(integer_in(0, kMaxProblems));
  cmd->add_option("--seed", f->seed, "seed; the output depends only on the seed, split and parameters")
      ->capture_default_str()
      ->check(unsigned_seed());
  cmd->add_option("--split", f->split, "test | validation | train | harder (the out-of-distribution split, where the task has one)")->capture_default_str();
  add_parameter_flags(cmd, task->parameters(), GenerateParameter | ProblemParameter, parameters);
  cmd->add_option("--threads", f->threads, "generator threads (0 = all); the output does not depend on it")
      ->capture_default_str()
      ->check(thread_count());
  auto* output = cmd->add_option("-o,--output", f->output, per_file ? "output folder" : "output file (written atomically)");
  if (!per_file) output->check(writable_output());
  cmd->callback([task, f, parameters, per_file] {
    if (f->count >= 10000 && !f->output.empty())
      std::cerr << "generating " << f->count << " " << task->name() << " problems ...\n" << std::flush;
    GenerateRequest request;
    request.count = f->count;
    request.seed = f->seed;
    request.split = parse_split(f->split);
    request.parameters = *parameters;
    request.threads = f->threads;
    check_parameters(*task, *parameters);
    const auto examples = generate_examples(*task, request);
    if (per_file && !f->output.empty()) {
      std::filesystem::create_directories(f->output);
      for (size_t i = 0; i < examples.size(); ++i) {
        std::ostringstream name, text;
        name << task->name() << "-" << std::setw(4) << std::setfill('0') << i + 1 << task->file_extension();
        task->write_problems(text, {examples[i]});
        write_file_atomically((std::filesystem::path(f->output) / name.str()).string(), text.str());
      }
      std::cerr << "wrote " << examples.size() << " files to " << f->output << "\n";
      return;
    }
    std::ostringstream text;
    task->write_problems(text, examples);
    if (f->output.empty()) std::cout << text.str();
    else write_file_atomically(f->output, text.str());
  });
}

}  // namespace

void add_generate_command(CLI::App& app) {
  auto* generate = app.add_subcommand("generate", "generate task data in disjoint train/validation/test splits");
  generate->require_subcommand(1);
  for (const auto& task : all_tasks())
    if (task->can_generate()) add_generate_task(generate, task);
}

}  // namespace ebm::cli
