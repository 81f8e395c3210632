#include "ebm/solver.h"

#include "ebm/checkpoint.h"

#include <chrono>
#include <cstdio>
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
    const auto start = std::chrono::steady_clock::now();
    for (const auto& problem : batch) {
      Outcome o;
      o.answer = task_->solve_reference(*problem, context_.budget_ms);
      o.claimed = o.answer != nullptr;
      o.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
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

}  // namespace ebm
