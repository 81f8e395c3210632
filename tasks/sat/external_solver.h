// A classical SAT solver run as a subprocess: the labeller of generated data and the reference of
// benchmarks. Never part of an EBM answer.
//
// The formula goes to a temporary DIMACS file; the solver (Debian's `minisat` or `cadical`) runs on it
// with a wall-clock limit (the process is killed when the limit passes) and its verdict and model are
// parsed back. The model is checked against the formula before it is returned.
#pragma once

#include "tasks/sat/cnf.h"

#include <string>

namespace ebm::sat {

enum class Verdict { Satisfiable, Unsatisfiable, Unknown };  // Unknown: time limit or no verdict

struct ExternalResult {
  Verdict verdict = Verdict::Unknown;
  Assignment model;  // V values when Satisfiable, else empty
  double ms = 0.0;   // wall time of the subprocess
};

// Known solvers: "minisat" (writes SAT/UNSAT and the model to a result file) and "cadical" (prints
// SAT-competition "s"/"v" lines).
bool is_known_external_solver(const std::string& name);

// Runs `solver` on `formula` for at most `limit_ms` (> 0). Throws std::runtime_error when the binary is
// not on PATH ("minisat not found on PATH: install the Debian package 'minisat'"), when the solver is
// unknown, or when its output cannot be read or its model does not satisfy the formula.
ExternalResult run_external_solver(const std::string& solver, const Formula& formula, double limit_ms);

}  // namespace ebm::sat
