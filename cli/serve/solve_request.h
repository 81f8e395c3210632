// The JSON of `POST /v1/solve` (and of one `--stdio` line): parsing, validation against the
// server's limits, and the per-problem result object. Errors name the field: "problems[2]: ...".
//
//   {"task": "sudoku", "problems": ["<81 characters>", ...],
//    "budget_ms": 2000, "deadline_ms": 30000, "sampler": "...", "energy": "constraint", "seed": 0,
//    "id": <anything, echoed by --stdio>}
//
// A result: {"answer": <the task's text form, or null unless verified>, "verified": bool,
//            "status": "verified" | "unsolved" | "budget" | "deadline" | "cancelled" | "failed",
//            "energy": number|null, "steps": int, "ms": number,
//            "reason": string (only with status "failed": why no answer could be made)}
#pragma once

#include "ebm/samplers/pool.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/task.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ebm::serve {

// A request the client got wrong: answered 400 with this message.
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ServeLimits {
  int64_t max_body_bytes = 1 << 20;   // larger bodies: 413
  int64_t max_problems = 256;         // per request
  double max_budget_ms = 60000.0;     // budget_ms per problem
  double default_budget_ms = 10000.0;
  double max_deadline_ms = 600000.0;  // deadline_ms per request, from arrival
  double default_deadline_ms = 120000.0;
  int64_t max_queue = 1024;           // problems admitted and not yet answered, all clients: beyond it 503
  int64_t max_pools = 16;             // distinct (task, energy, sampler) pools
};

struct SolveRequest {
  TaskPtr task;
  std::vector<ProblemPtr> problems;
  std::string energy;   // "" = the task's default
  std::string sampler;  // "" = the task's default for the energy
  double budget_ms = 0.0;
  double deadline_ms = 0.0;
  std::optional<uint64_t> seed;  // absent: the server's --seed
  nlohmann::json id;    // echoed (null when absent)
  // When the request was read: its deadline runs from here (parsing, encoding and queueing included).
  std::chrono::steady_clock::time_point arrival = std::chrono::steady_clock::now();
};

// Parses a body. Throws BadRequest naming the field: malformed JSON, a number out of range (1e999,
// a 100,000-digit integer), nesting deeper than 64, unknown task, problems that the task's reader
// refuses, budgets outside the limits, fields of the wrong type, unknown fields.
SolveRequest parse_solve_request(const std::string& body, const ServeLimits& limits);

// One problem's result object (see above).
nlohmann::json result_json(const Task& task, const Problem& problem, const SolvedProblem& solved, PoolStop why);

// `value` as one line of JSON text for a client or the log. Never throws: bytes that are not UTF-8
// (a client's malformed task name echoed in an error, say) become U+FFFD.
std::string json_text(const nlohmann::json& value);

}  // namespace ebm::serve
