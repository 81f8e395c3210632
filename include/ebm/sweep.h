// Sweeps (`ebm sweep --task TASK`): accuracy against compute. One harness evaluation per solver
// spec on one dataset, one CSV row per spec, written (atomically) as each row finishes.
//
// Resumable: rows already in the CSV (matched by their spec) are not run again, so a killed sweep
// continues where it stopped. Every row records the task, the dataset's fingerprint and the run
// settings (budget, batch, seed, device); resuming with any of them different is refused with a
// message naming the difference, so one file never mixes two experiments.
#pragma once

#include "ebm/harness.h"

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace ebm {

struct SweepSettings {
  std::string task;
  double budget_ms = 10000.0;
  HarnessOptions harness;
  uint64_t seed = 0;
};

// Builds the solver of one spec (throws std::invalid_argument for a bad spec).
using SolverFactory = std::function<SolverPtr(const std::string& spec)>;

// What one call of run_sweep did: rows run now, and over those rows the problems left unsolved and
// the answers claimed that the exact verifier rejected (which must be 0).
struct SweepOutcome {
  size_t ran = 0;
  int64_t unsolved = 0;
  int64_t wrong_claimed = 0;
};

// Runs the specs not yet in `csv_path` and appends their rows. Progress lines go to `log`. Throws
// std::invalid_argument when the file is not a sweep CSV of this version, or holds rows of another
// task, dataset or setting (the message names each difference and the option that sets it:
// "--budget-ms: file has 1000, this run 2000").
SweepOutcome run_sweep(const Task& task, const std::vector<Example>& examples, const std::vector<std::string>& specs,
                 const SolverFactory& make, const SweepSettings& settings, const std::string& csv_path,
                 std::ostream& log);

// The solver specs already present in a sweep CSV (empty if the file does not exist).
std::vector<std::string> completed_specs(const std::string& csv_path);

// Fields of one CSV line (RFC 4180 quoting: "" inside quotes is a quote).
std::vector<std::string> split_csv_line(const std::string& line);
// A CSV field: quoted when it holds a comma, a quote or a newline.
std::string csv_field(const std::string& text);

}  // namespace ebm
