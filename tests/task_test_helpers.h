// Helpers the task suites share.
#pragma once

#include "ebm/task.h"

#include <functional>
#include <string>

namespace ebm::testing {

// The message of the TaskInputError that `action` throws, or "" when it throws none.
inline std::string input_error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const TaskInputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace ebm::testing
