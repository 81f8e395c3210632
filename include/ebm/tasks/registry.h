// The task registry: every task the library knows, by name. Adding a task touches only tasks/NAME/
// (which defines `ebm::NAME::make_task()` in tasks/NAME/task.h) and one line of tasks/meson.build
// (`task_names`), from which the build writes registry_list.cpp.
#pragma once

#include "ebm/task.h"

#include <string>
#include <vector>

namespace ebm {

// Every registered task, in registration order (sudoku first).
const std::vector<TaskPtr>& all_tasks();

// The task called `name`. Throws std::invalid_argument listing the registered names.
TaskPtr find_task(const std::string& name);

// "sudoku, sat, coloring, portfolio": for help text.
std::string task_names();

}  // namespace ebm
