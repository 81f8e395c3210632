#include "ebm/tasks/registry.h"

#include <stdexcept>

namespace ebm {

std::vector<TaskPtr> registered_tasks();  // registry_list.cpp, written by the build

const std::vector<TaskPtr>& all_tasks() {
  static const std::vector<TaskPtr> tasks = registered_tasks();
  return tasks;
}

TaskPtr find_task(const std::string& name) {
  for (const auto& task : all_tasks())
    if (task->name() == name) return task;
  throw std::invalid_argument("unknown task '" + name + "' (registered: " + task_names() + ")");
}

std::string task_names() {
  std::string names;
  for (const auto& task : all_tasks()) names += (names.empty() ? "" : ", ") + task->name();
  return names;
}

}  // namespace ebm
