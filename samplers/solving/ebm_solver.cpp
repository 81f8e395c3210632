// The EBM as a harness Solver, and the parsing of every harness solver spec (task_solver.h).
#include "ebm/samplers/task_solver.h"

#include "ebm/learning/ar_baseline.h"
#include "ebm/samplers/registry.h"

#include <torch/nn/module.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace ebm {

namespace {

bool has_energy(const Task& task, const std::string& name) {
  const auto names = task.energy_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

class EbmSolver : public Solver {
 public:
  // energy_defaulted: no energy was named; the first batch's problems choose it (Task::default_energy).
  EbmSolver(TaskPtr task, std::string name, EbmSettings settings, bool energy_defaulted)
      : task_(std::move(task)), name_(std::move(name)), settings_(std::move(settings)),
        energy_defaulted_(energy_defaulted) {}

  std::string name() const override { return name_; }
  int64_t parameters() const override { return parameters_; }
  bool uses_verifier() const override { return uses_verifier_; }
  nlohmann::json config() const override {
    const std::string model = settings_.energy.model;
    return {{"solver", "ebm"},
            {"energy", settings_.energy.name},
            {"sampler", settings_.sampler.empty() ? task_->default_sampler(settings_.energy.name) : settings_.sampler},
            {"budget_ms", settings_.budget_ms},
            {"model", model},
            {"model_hash", model.empty() ? "" : file_hash(model)}};
  }

  std::vector<Outcome> solve(const std::vector<ProblemPtr>& batch) override {
    if (!settings_.prebuilt && !batch.empty()) {
      if (energy_defaulted_) settings_.energy.name = task_->default_energy(batch);
      settings_.prebuilt = task_->make_energy(settings_.energy, batch, settings_.device);
      parameters_ = parameter_count(*settings_.prebuilt);
      flops_per_evaluation_ = task_->flops_per_evaluation(*settings_.prebuilt, *batch.front());
    }
    SolveReport report = solve_with_energy(*task_, batch, settings_);
    uses_verifier_ = uses_verifier_ || report.verifier_in_loop;
    std::vector<Outcome> outcomes;
    for (const auto& p : report.problems) {
      Outcome o{p.answer, p.verified, p.energy, p.steps};
      o.evaluations = static_cast<double>(p.evaluations);
      o.flops = o.evaluations * flops_per_evaluation_;
      o.latency_ms = p.ms;
      outcomes.push_back(std::move(o));
    }
    return outcomes;
  }

 private:
  TaskPtr task_;
  std::string name_;
  EbmSettings settings_;
  int64_t parameters_ = 0;
  double flops_per_evaluation_ = 0.0;
  bool uses_verifier_ = false;
  bool energy_defaulted_ = false;
};

}  // namespace

SolverPtr make_ebm_solver(const TaskPtr& task, const std::string& spec, const SolverContext& context) {
  EbmSettings settings;
  settings.budget_ms = context.budget_ms;
  settings.batch = context.batch;
  settings.seed = context.seed;
  settings.device = context.device;
  std::string name = "ebm";
  std::string chains, steps;
  if (spec.rfind("ebm-", 0) == 0) {
    settings.energy.name = spec.substr(4);
    name = spec;
  } else if (spec.rfind("ebm:", 0) == 0) {
    auto [parts, sampler] = split_solver_spec(spec.substr(4), "sampler");
    settings.sampler = sampler;
    for (const auto& part : parts) {
      const auto eq = part.find('=');
      if (eq == std::string::npos) {
        settings.energy.model = part;
        continue;
      }
      const std::string key = part.substr(0, eq), value = part.substr(eq + 1);
      if (key == "energy") settings.energy.name = value;
      else if (key == "model") settings.energy.model = value;
      else if (key == "chains") chains = value;
      else if (key == "steps") steps = value;
      else if (key == "budget") settings.budget_ms = parse_budget_ms(spec, value);
      else
        throw std::invalid_argument("solver " + excerpt(spec, 80) + ": unknown key '" + key +
                                    "' (energy, model, chains, steps, budget, sampler)");
    }
    if (settings.energy.name.empty() && !settings.energy.model.empty())
      settings.energy.name = has_energy(*task, "combined") ? "combined" : "learned";
  } else if (spec != "ebm") {
    throw std::invalid_argument("unknown solver " + excerpt(spec, 80) + "");
  }
  const bool energy_defaulted = settings.energy.name.empty();
  if (energy_defaulted) settings.energy.name = task->default_energy({});
  if (!has_energy(*task, settings.energy.name)) {
    std::string names;
    for (const auto& n : task->energy_names()) names += (names.empty() ? "" : ", ") + n;
    throw std::invalid_argument("solver " + excerpt(spec, 80) + ": task '" + task->name() + "' has no energy '" +
                                settings.energy.name + "' (" + names + ")");
  }
  if (!chains.empty() || !steps.empty()) {
    std::string keys;
    if (!chains.empty()) keys += "chains=" + chains;
    if (!steps.empty()) keys += (keys.empty() ? "" : ",") + std::string("steps=") + steps;
    settings.sampler = with_driver_keys(
        settings.sampler.empty() ? task->default_sampler(settings.energy.name) : settings.sampler, keys);
  }
  parse_sampler_spec(settings.sampler.empty() ? task->default_sampler(settings.energy.name) : settings.sampler);
  if (spec.rfind("ebm:", 0) == 0) name = "ebm:" + settings.energy.name;
  // Build the energy once now, so that a missing model fails before any solving.
  task->make_energy(settings.energy, {}, settings.device);
  return std::make_unique<EbmSolver>(task, name, settings, energy_defaulted);
}

SolverPtr make_solver(const TaskPtr& task, const std::string& spec, const SolverContext& context) {
  if (spec == "reference") return reference_solver(task, context);
  if (spec == "ebm" || spec.rfind("ebm-", 0) == 0 || spec.rfind("ebm:", 0) == 0)
    return make_ebm_solver(task, spec, context);
  if (auto solver = make_ar_solver(task, spec, context)) return solver;
  if (auto solver = task->make_solver(spec, context)) return solver;
  std::string choices = "ebm, ebm-ENERGY, ebm:KEY=VALUE,...,sampler=SPEC, reference";
  if (!solver_choices(*task).empty()) choices += ", " + solver_choices(*task);
  throw std::invalid_argument("unknown solver " + excerpt(spec, 80) + " for task '" + task->name() + "' (" + choices + ")");
}

std::string solver_choices(const Task& task) {
  std::string choices = task.token_sequence({}) ? ar_solver_help() : "";
  if (!task.solver_help().empty()) choices += (choices.empty() ? "" : ", ") + task.solver_help();
  return choices;
}

}  // namespace ebm
