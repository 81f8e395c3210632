// What the task commands share: task parameters as flags, datasets (files or generated), run flags.
#pragma once

#include "ebm/task.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace ebm::cli {

// Adds one flag per parameter of `infos` whose use matches `uses`; given values land in *values
// (absent ones keep the task's default). `infos` may hold several tasks' parameters: a name is added once.
void add_parameter_flags(CLI::App* cmd, const std::vector<ParameterInfo>& infos, unsigned uses,
                         const std::shared_ptr<TaskParameters>& values);
// Every registered task's parameters (for commands that take --task).
std::vector<ParameterInfo> all_task_parameters();
// Throws std::runtime_error when `values` holds a flag that `task` does not take.
void check_parameters(const Task& task, const TaskParameters& values);

// Where a command's problems come from: files, or the task's generator.
struct DatasetFlags {
  std::vector<std::string> inputs;  // files ('-' = stdin); empty = generated
  int64_t count = 100;
  uint64_t data_seed = 1;
  std::string split = "test";
};
void add_dataset_flags(CLI::App* cmd, DatasetFlags& flags, const std::string& noun);
std::vector<Example> load_dataset(const Task& task, const DatasetFlags& flags, const TaskParameters& parameters);
// JSON describing the dataset for reports.
nlohmann::json dataset_json(const DatasetFlags& flags, const TaskParameters& parameters);
// One line for tables: "100 problems (generated test split, seed 1)" or the file names.
std::string dataset_text(const DatasetFlags& flags, size_t problems);

// Every problem of one file ('-' = stdin). Throws TaskInputError naming the file and line.
std::vector<Example> read_problems(const Task& task, const std::string& path, const TaskParameters& parameters);

// The exit status the program returns (set by commands such as `solve`; 0 by default).
int& exit_status();

// "constraint | learned | combined": the task's energy names, for help texts.
std::string energy_list(const Task& task);

}  // namespace ebm::cli
