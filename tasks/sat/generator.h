// Uniform random k-SAT, labelled by an external solver (external_solver.h).
//
// A formula of n variables has m = round(ratio * n) clauses; each clause draws k distinct variables
// uniformly and gives each a random sign. Candidate i of a request comes from its own generator seeded
// by (seed, i), so a request is reproducible from its seed. A candidate is kept when its content
// fingerprint (of canonical_text) lies in the requested split and the labeller's verdict is the requested
// one; the labeller's model becomes the Example's solution. Candidates the labeller cannot decide within
// its time limit are skipped.
#pragma once

#include "ebm/task.h"
#include "tasks/sat/cnf.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ebm::sat {

struct RandomKSatOptions {
  int64_t variables = 100;  // n >= k
  double ratio = 4.26;      // clauses per variable, m = round(ratio * n); 4.26 is 3-SAT's threshold
  int64_t k = 3;            // literals per clause, 1 <= k <= n

  // Throws TaskInputError naming the bad parameter (as its flag, "--ratio: ...").
  void validate() const;
  int64_t clauses() const;
};

// One random formula from `rng`.
Formula random_k_sat(const RandomKSatOptions& options, std::mt19937_64& rng);

struct LabelledGeneration {
  RandomKSatOptions shape;
  bool satisfiable = true;        // keep satisfiable (true) or unsatisfiable (false) formulas
  std::string labeller = "minisat";
  double labeller_limit_ms = 60000.0;
  int64_t max_candidates = 0;     // give up (TaskInputError) after this many; 0 = 2000 * count + 1000
};

// request.count labelled formulas of request.split. Examples hold SatProblem (source "generated",
// notes naming seed, shape, split and verdict) and, for satisfiable ones, the labeller's model as SatAnswer.
std::vector<Example> generate_labelled(const GenerateRequest& request, const LabelledGeneration& generation);

}  // namespace ebm::sat
