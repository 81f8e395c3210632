// parse_solve_request: the body of `POST /v1/solve` and of each `ebm serve --stdio` line, to a request
// (task found, every problem read by the task's reader, budgets checked against the default limits),
// without solving it. A refusal is BadRequest (answered 400).
#include "fuzz/fuzz_support.h"

#include "cli/serve/solve_request.h"

#include <torch/utils.h>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  torch::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ebm::serve::ServeLimits limits;
  ebm::serve::SolveRequest request;
  if (!ebm::fuzz::accepts([&] { request = ebm::serve::parse_solve_request(ebm::fuzz::bytes_text(data, size), limits); }))
    return 0;
  if (!request.task || request.problems.empty() || static_cast<int64_t>(request.problems.size()) > limits.max_problems)
    ebm::fuzz::property_failed("an accepted request has no task, no problems or too many");
  if (!(request.budget_ms > 0 && request.budget_ms <= limits.max_budget_ms) ||
      !(request.deadline_ms > 0 && request.deadline_ms <= limits.max_deadline_ms))
    ebm::fuzz::property_failed("an accepted request has a budget outside the limits");
  return 0;
}
