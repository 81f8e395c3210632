#include "ebm/solver.h"

#include "ebm/checkpoint.h"
#include "ebm/options.h"
#include "ebm/runtime/stopwatch.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace ebm {

namespace {

// The task's classical reference, timed problem by problem; its own "found" flag is its claim.
class ReferenceSolver : public Solver {
 public:
  ReferenceSolver(TaskPtr task, SolverContext context) : task_(std::move(task)), context_(context) {}

  std::string name() const override { return "reference-" + task_->reference_name(); }
  nlohmann::json config() const override {
    return {{"solver", name()},
            {"budget_ms", context_.budget_ms},
            {"note", "classical reference solver (" + task_->reference_name() + "): the speed reference, not an EBM"}};
  }
  std::vector<Outcome> solve(const std::vector<ProblemPtr>& batch) override {
    std::vector<Outcome> outcomes;
    const auto start = Clock::now();
    for (const auto& problem : batch) {
      Outcome o;
      o.answer = task_->solve_reference(*problem, context_.budget_ms);
      o.claimed = o.answer != nullptr;
      o.latency_ms = milliseconds_since(start);
      outcomes.push_back(std::move(o));
    }
    return outcomes;
  }

 private:
  TaskPtr task_;
  SolverContext context_;
};

}  // namespace

SolverPtr reference_solver(const TaskPtr& task, const SolverContext& context) {
  if (task->reference_name().empty())
    throw std::invalid_argument("task '" + task->name() + "' has no classical reference solver");
  return std::make_unique<ReferenceSolver>(task, context);
}

std::string file_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(bytes.data(), bytes.size())));
  return hex;
}

std::pair<std::vector<std::string>, std::string> split_solver_spec(const std::string& text,
                                                                   const std::string& last_key) {
  std::string head = text, rest;
  const auto at = text.find("," + last_key + "=");
  if (at != std::string::npos) {
    head = text.substr(0, at);
    rest = text.substr(at + last_key.size() + 2);
  } else if (text.rfind(last_key + "=", 0) == 0) {
    head.clear();
    rest = text.substr(last_key.size() + 1);
  }
  std::vector<std::string> parts;
  size_t from = 0;
  while (!head.empty()) {
    const auto comma = head.find(',', from);
    parts.push_back(head.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return {parts, rest};
}

double parse_budget_ms(const std::string& spec, const std::string& text) {
  char* end = nullptr;
  const double ms = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(ms > 0) || !(ms <= 8.64e7))
    throw std::invalid_argument("solver " + excerpt(spec, 80) + ": budget must be milliseconds > 0 (at most 8.64e7, a day), got " + excerpt(text));
  return ms;
}

}  // namespace ebm
