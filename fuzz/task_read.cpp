// Task::read of the task named by EBM_FUZZ_TASK (fuzz/meson.build builds one harness per task): the
// text `ebm solve TASK FILE`, `ebm eval` and `ebm serve` read (Sudoku lines and CSV, DIMACS CNF,
// DIMACS .col, OR-Library markets, the tensor tasks' formats), default parameters.
// Properties of accepted input: each solution the file carries goes through the verifier without
// fault, and write_problems() writes text that read() takes back as the same problems (count and
// fingerprints).
#include "fuzz/fuzz_support.h"

#include "ebm/tasks/registry.h"

#include <torch/utils.h>

#include <sstream>

namespace {

std::vector<ebm::Example> read_text(const ebm::Task& task, const std::string& text) {
  std::istringstream in(text);
  return task.read(in, "fuzz", {});
}

void check_round_trip(const ebm::Task& task, const std::vector<ebm::Example>& examples) {
  std::ostringstream written;
  task.write_problems(written, examples);
  std::vector<ebm::Example> again;
  try {
    again = read_text(task, written.str());
  } catch (const std::exception& e) {
    ebm::fuzz::property_failed("read() refuses what write_problems() wrote: " + std::string(e.what()));
  }
  if (again.size() != examples.size())
    ebm::fuzz::property_failed("read back " + std::to_string(again.size()) + " problems of " +
                               std::to_string(examples.size()));
  for (size_t i = 0; i < examples.size(); ++i)
    if (task.fingerprint(*again[i].problem) != task.fingerprint(*examples[i].problem))
      ebm::fuzz::property_failed("problem " + std::to_string(i) + " changed in a write/read round trip");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  torch::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ebm::TaskPtr task = ebm::find_task(EBM_FUZZ_TASK);
  std::vector<ebm::Example> examples;
  if (!ebm::fuzz::accepts([&] { examples = read_text(*task, ebm::fuzz::bytes_text(data, size)); })) return 0;
  for (const auto& example : examples)
    if (example.solution) ebm::fuzz::accepts([&] { task->verify(*example.problem, *example.solution); });
  check_round_trip(*task, examples);
  return 0;
}
