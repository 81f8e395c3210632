// `ebm tasks`: the registered tasks, their formats, energies, references and parameters.
#include "commands.h"
#include "task_flags.h"

#include "ebm/tasks/registry.h"

#include <iomanip>
#include <iostream>

namespace ebm::cli {

namespace {

// Continuation lines indented under a label of `width` characters.
std::string indented(const std::string& text, size_t width) {
  std::string out;
  for (char c : text) out += c == '\n' ? "\n" + std::string(width, ' ') : std::string(1, c);
  return out;
}

}  // namespace

void add_tasks_command(CLI::App& app) {
  auto* tasks = app.add_subcommand("tasks", "list the registered tasks, their formats, energies and parameters");
  tasks->callback([] {
    for (const auto& task : all_tasks()) {
      std::cout << task->name() << ": " << task->summary() << "\n"
                << "  input:      " << indented(task->input_format(), 14) << "\n"
                << "  output:     " << indented(task->output_format(), 14) << "\n"
                << "  energies:   " << energy_list(*task) << "; default sampler " << task->default_sampler(task->energy_names().front()) << "\n"
                << "  reference:  " << (task->reference_name().empty() ? "none" : task->reference_name()) << "\n"
                << "  generator:  " << (task->can_generate() ? "yes" : "no") << "\n";
      for (const auto& p : task->parameters())
        std::cout << "  --" << std::left << std::setw(22) << p.name << (p.default_value.empty() ? "" : "= " + p.default_value)
                  << "  " << p.meaning << "\n";
      std::cout << "\n";
    }
  });
}

}  // namespace ebm::cli
