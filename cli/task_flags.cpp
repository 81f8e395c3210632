#include "task_flags.h"

#include "exit_codes.h"
#include "option_checks.h"

#include "ebm/tasks/registry.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <iostream>
#include <set>

namespace ebm::cli {

void add_parameter_flags(CLI::App* cmd, const std::vector<ParameterInfo>& infos, unsigned uses,
                         const std::shared_ptr<TaskParameters>& values) {
  std::set<std::string> added;
  for (const auto& info : infos) {
    if (!(info.use & uses) || !added.insert(info.name).second) continue;
    const std::string name = info.name;
    auto* option = cmd->add_option_function<std::string>(
        "--" + name, [values, name](const std::string& v) { (*values)[name] = v; }, info.meaning);
    if (!info.default_value.empty()) option->default_str(info.default_value);
  }
}

std::vector<ParameterInfo> all_task_parameters() {
  std::vector<ParameterInfo> infos;
  for (const auto& task : all_tasks())
    for (auto info : task->parameters()) {
      info.meaning = task->name() + ": " + info.meaning;
      infos.push_back(info);
    }
  return infos;
}

void check_parameters(const Task& task, const TaskParameters& values) {
  const auto infos = task.parameters();
  for (const auto& [name, value] : values) {
    bool known = false;
    for (const auto& info : infos) known = known || info.name == name;
    if (!known) throw InputError("--" + name + " is not a parameter of task '" + task.name() + "'");
  }
}

void add_dataset_flags(CLI::App* cmd, DatasetFlags& flags, const std::string& noun) {
  cmd->add_option("-i,--input", flags.inputs, "dataset file(s) in the task's format ('-' = stdin); else generated");
  cmd->add_option("--count", flags.count, "generated " + noun)->capture_default_str()->check(integer_in(1, kMaxProblems));
  cmd->add_option("--data-seed", flags.data_seed, "generator seed")->capture_default_str()->check(unsigned_seed());
  cmd->add_option("--split", flags.split, "generated split: test | validation | train (disjoint by construction) | harder (out of distribution, where the task has one)")
      ->capture_default_str();
}

std::vector<Example> read_problems(const Task& task, const std::string& path, const TaskParameters& parameters) {
  const std::string name = path == "-" ? "stdin" : path;
  std::ostringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) throw TaskInputError("input '" + path + "' is a folder, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw TaskInputError("cannot open input file '" + path + "'");
    text << in.rdbuf();
  }
  std::string content = text.str();
  if (content.rfind("\xEF\xBB\xBF", 0) == 0) content.erase(0, 3);  // a UTF-8 byte-order mark, as some editors write
  std::istringstream in(content);
  auto examples = task.read(in, name, parameters);
  if (examples.empty()) throw TaskInputError(name + ": no problems in it (only blank lines, comments or a header)");
  return examples;
}

std::vector<Example> load_dataset(const Task& task, const DatasetFlags& flags, const TaskParameters& parameters) {
  check_parameters(task, parameters);
  std::vector<Example> examples;
  if (!flags.inputs.empty()) {
    for (const auto& path : flags.inputs)
      for (auto& e : read_problems(task, path, parameters)) examples.push_back(std::move(e));
    return examples;
  }
  if (!task.can_generate())
    throw InputError("task '" + task.name() + "' has no generator: give --input FILE");
  GenerateRequest request;
  request.count = flags.count;
  request.seed = flags.data_seed;
  request.split = parse_split(flags.split);
  request.parameters = parameters;
  return generate_examples(task, request);
}

nlohmann::json dataset_json(const DatasetFlags& flags, const TaskParameters& parameters) {
  if (!flags.inputs.empty()) return {{"files", flags.inputs}};
  return {{"generated", parameters}, {"count", flags.count}, {"seed", flags.data_seed}, {"split", flags.split}};
}

std::string dataset_text(const DatasetFlags& flags, size_t problems) {
  std::string text = std::to_string(problems) + " problems (";
  if (flags.inputs.empty())
    return text + "generated " + flags.split + " split, seed " + std::to_string(flags.data_seed) + ")";
  for (size_t i = 0; i < flags.inputs.size() && i < 3; ++i) text += (i ? ", " : "") + flags.inputs[i];
  if (flags.inputs.size() > 3) text += ", ...";
  return text + ")";
}

int& exit_status() {
  static int status = kExitOk;
  return status;
}

void raise_exit_status(int status) {
  auto rank = [](int s) {
    switch (s) {
      case kExitOk: return 0;
      case kExitUnsolved: return 1;
      case kExitRuntimeFailure: return 2;
      case kExitBadInput: return 3;
      case kExitWrongClaim: return 5;
      default: return 4;
    }
  };
  if (rank(status) > rank(exit_status())) exit_status() = status;
}

std::string energy_list(const Task& task) {
  std::string names;
  for (const auto& n : task.energy_names()) names += (names.empty() ? "" : " | ") + n;
  return names;
}

}  // namespace ebm::cli
