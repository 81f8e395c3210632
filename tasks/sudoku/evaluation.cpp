#include "tasks/sudoku/evaluation.h"

#include "ebm/ar_transformer.h"
#include "ebm/checkpoint.h"
#include "ebm/device.h"
#include "ebm/metrics.h"
#include "samplers/registry.h"
#include "tasks/sudoku/ar_solver.h"
#include "tasks/sudoku/ar_tokens.h"
#include "tasks/sudoku/learned_energy.h"
#include "tasks/sudoku/reference_solver.h"
#include "tasks/sudoku/solver.h"

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <tuple>

namespace ebm::sudoku {

namespace {

using Clock = std::chrono::steady_clock;

struct Outcome {
  Board answer;
  bool claimed = false;  // the solver's own "verified" flag
  double ms = 0.0, evaluations = 0.0, forward_passes = 0.0, flops = 0.0;
};

// One solver under evaluation: a name, its configuration, and a batch solve function.
struct SolverUnderTest {
  std::string name;
  nlohmann::json config;
  int64_t parameters = 0;
  std::function<std::vector<Outcome>(const std::vector<Board>&)> solve;
};

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

// "head,key=value,...,last=rest": splits off `last=` (which may contain commas) first.
std::pair<std::vector<std::string>, std::string> split_spec(const std::string& text, const std::string& last_key) {
  std::string head = text, rest;
  const auto at = text.find("," + last_key + "=");
  const auto start = text.rfind(last_key + "=", 0) == 0 ? 0 : std::string::npos;
  if (at != std::string::npos) {
    head = text.substr(0, at);
    rest = text.substr(at + last_key.size() + 2);
  } else if (start == 0) {
    head.clear();
    rest = text.substr(last_key.size() + 1);
  }
  std::vector<std::string> parts;
  size_t from = 0;
  while (from <= head.size() && !head.empty()) {
    const auto comma = head.find(',', from);
    parts.push_back(head.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return {parts, rest};
}

double constraint_flops_per_evaluation(int box) {
  const double n3 = std::pow(box * box, 3);
  return 2.0 * 2.0 * 3.0 * n3 + 10.0 * n3;
}

double learned_flops_per_evaluation(const LearnedEnergyConfig& c) {
  const double n = c.box * c.box, d = c.hidden;
  const double forward = 2.0 * n * n * ((2 * n + 1) * d + c.layers * (4 * d * 2 * d + 2 * d * d) + d);
  return 3.0 * forward;
}

SolverUnderTest ebm_solver(const std::string& spec, const EvalSettings& settings) {
  SolverSettings solver;
  solver.budget_ms = settings.budget_ms;
  solver.batch = settings.batch;
  solver.seed = settings.seed;
  solver.device = settings.device;
  std::string name = "ebm";
  if (spec == "ebm-constraint") {
    name = "ebm-constraint";
  } else if (spec.rfind("ebm:", 0) == 0) {
    auto [parts, sampler] = split_spec(spec.substr(4), "sampler");
    solver.sampler = sampler;
    solver.energy = "combined";
    std::string chains;
    for (const auto& part : parts) {
      const auto eq = part.find('=');
      if (eq == std::string::npos) {
        solver.model = part;
        continue;
      }
      const std::string key = part.substr(0, eq), value = part.substr(eq + 1);
      if (key == "energy") solver.energy = value;
      else if (key == "chains") chains = value;
      else if (key == "budget") solver.budget_ms = std::stod(value);
      else throw std::invalid_argument("solver '" + spec + "': unknown key '" + key + "' (energy, chains, budget, sampler)");
    }
    if (!chains.empty())
      solver.sampler = with_driver_keys(solver.sampler.empty() ? default_sampler_spec(solver.energy) : solver.sampler,
                                        "chains=" + chains);
  } else if (spec != "ebm") {
    throw std::invalid_argument("unknown solver '" + spec + "'");
  }
  std::shared_ptr<SudokuEnergyNet> learned;
  if (solver.energy != "constraint") {
    const std::string path = solver.model.empty() ? shipped_model_path() : solver.model;
    if (path.empty()) throw std::invalid_argument("solver '" + spec + "' needs a learned energy checkpoint");
    learned = load_learned_energy(path, settings.device);
    solver.learned = learned;
    solver.model = path;
  }
  SolverUnderTest s;
  s.name = spec.rfind("ebm:", 0) == 0 ? "ebm:" + solver.energy : name;
  const double flops_per_eval = (solver.energy != "learned" ? constraint_flops_per_evaluation(3) : 0.0) +
                                (learned ? learned_flops_per_evaluation(learned->config()) : 0.0);
  s.parameters = learned ? learned->parameter_count() : 0;
  s.config = {{"solver", name}, {"energy", solver.energy},
              {"sampler", solver.sampler.empty() ? default_sampler_spec(solver.energy) : solver.sampler},
              {"budget_ms", solver.budget_ms}, {"model", solver.model},
              {"model_hash", solver.model.empty() ? "" : file_hash(solver.model)},
              {"flops_per_evaluation", flops_per_eval}};
  s.solve = [solver, flops_per_eval](const std::vector<Board>& boards) {
    auto report = sudoku::solve(boards, solver);
    std::vector<Outcome> out;
    for (const auto& p : report.puzzles)
      out.push_back({p.answer, p.verified, p.ms, double(p.evaluations), 0.0, p.evaluations * flops_per_eval});
    return out;
  };
  return s;
}

SolverUnderTest ar_solver(const std::string& spec, const EvalSettings& settings) {
  auto [parts, decode] = split_spec(spec.size() > 2 ? spec.substr(3) : "", "decode");
  std::string path;
  for (const auto& part : parts) {
    if (part.find('=') != std::string::npos) throw std::invalid_argument("solver '" + spec + "': unknown key in '" + part + "'");
    path = part;
  }
  if (path.empty()) {
    const auto shipped = std::filesystem::path(shipped_model_path()).parent_path() / "sudoku-ar.ckpt";
    if (shipped_model_path().empty() || !std::filesystem::exists(shipped))
      throw std::invalid_argument("solver 'ar' needs a checkpoint: ar:MODEL (no shipped models/sudoku-ar.ckpt found)");
    path = shipped.string();
  }
  auto model = load_ar_model(path, settings.device);
  ArSolveSettings ar;
  ar.decode = decode.empty() ? "greedy" : decode;
  parse_ar_decode(ar.decode);  // a bad spec fails here, before any solving
  ar.seed = settings.seed;
  ar.batch = settings.batch;
  ar.device = settings.device;
  const int64_t length = ar_max_length(model->order);
  const double flops_per_position = forward_flops(model->net->config(), length) / double(length);
  SolverUnderTest s;
  s.name = "ar:" + ar.decode;
  s.parameters = model->net->parameter_count();
  s.config = {{"solver", "ar"}, {"model", path}, {"model_hash", file_hash(path)}, {"decode", ar.decode},
              {"order", ar_order_name(model->order)}, {"architecture", model->net->config().to_json()},
              {"flops_per_position", flops_per_position}};
  s.solve = [model, ar, flops_per_position](const std::vector<Board>& boards) {
    std::vector<Outcome> out;
    for (const auto& r : solve_ar(*model, boards, ar))
      out.push_back({r.answer, r.verified, r.ms, 0.0, double(r.forward_passes), r.forward_passes * flops_per_position});
    return out;
  };
  return s;
}

SolverUnderTest reference_solver() {
  SolverUnderTest s;
  s.name = "reference-dlx";
  s.config = {{"solver", "reference-dlx"}, {"note", "classical exact solver (dancing links): the speed reference, not an EBM"}};
  s.solve = [](const std::vector<Board>& boards) {
    std::vector<Outcome> out;
    for (const auto& b : boards) {
      const auto start = Clock::now();
      auto result = sudoku::solve(b, 1);
      Outcome o;
      o.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      o.answer = result.solutions > 0 ? result.first : b;
      o.claimed = result.solutions > 0;
      out.push_back(o);
    }
    return out;
  };
  return s;
}

SolverUnderTest make_solver(const std::string& spec, const EvalSettings& settings) {
  if (spec == "reference") return reference_solver();
  if (spec == "ar" || spec.rfind("ar:", 0) == 0) return ar_solver(spec, settings);
  if (spec == "ebm" || spec == "ebm-constraint" || spec.rfind("ebm:", 0) == 0) return ebm_solver(spec, settings);
  throw std::invalid_argument("unknown solver '" + spec + "' (ebm, ebm-constraint, ebm:MODEL,..., ar[:MODEL][,decode=...], reference)");
}

}  // namespace

std::string file_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(bytes.data(), bytes.size())));
  return hex;
}

EvalReport evaluate(const std::vector<EvalProblem>& problems, const EvalSettings& settings,
                    const std::function<void(const std::string&, size_t, size_t)>& progress) {
  if (problems.empty()) throw std::invalid_argument("evaluate: no problems");
  if (settings.batch < 1) throw std::invalid_argument("evaluate: batch must be >= 1");
  std::vector<SolverUnderTest> solvers;
  for (const auto& spec : settings.solvers) solvers.push_back(make_solver(spec, settings));  // fail before any run

  EvalReport report;
  const auto start = Clock::now();
  double inside = 0.0;
  for (size_t k = 0; k < solvers.size(); ++k) {
    auto& solver = solvers[k];
    SolverEvaluation e;
    e.spec = settings.solvers[k];
    e.name = solver.name;
    e.config = solver.config;
    e.parameters = solver.parameters;
    e.device = device_description(settings.device);
    e.problems = static_cast<int64_t>(problems.size());
    std::vector<double> ms;
    double cells_right = 0, cells_total = 0, evaluations = 0, passes = 0, flops = 0;
    for (size_t first = 0; first < problems.size(); first += settings.batch) {
      const size_t count = std::min<size_t>(settings.batch, problems.size() - first);
      std::vector<Board> boards;
      for (size_t i = first; i < first + count; ++i) boards.push_back(problems[i].puzzle);
      synchronize(settings.device);
      const auto call = Clock::now();
      auto outcomes = solver.solve(boards);
      synchronize(settings.device);
      e.solver_seconds += std::chrono::duration<double>(Clock::now() - call).count();
      for (size_t i = 0; i < count; ++i) {
        const auto& o = outcomes[i];
        const auto& problem = problems[first + i];
        const bool verified = is_valid_solution(problem.puzzle, o.answer);  // the harness's own check
        e.solved += verified;
        e.unsolved += !verified;
        e.wrong_claimed += o.claimed && !verified;
        if (problem.reference) {
          const bool same = o.answer == *problem.reference;
          e.matches_reference += same;
          e.valid_but_different += verified && !same;
          for (size_t c = 0; c < problem.puzzle.cells.size(); ++c) {
            if (problem.puzzle.cells[c] != 0) continue;
            cells_total += 1;
            cells_right += o.answer.cells.size() == problem.puzzle.cells.size() &&
                           o.answer.cells[c] == problem.reference->cells[c];
          }
        }
        ms.push_back(o.ms);
        evaluations += o.evaluations;
        passes += o.forward_passes;
        flops += o.flops;
      }
      if (progress) progress(e.spec, first + count, problems.size());
    }
    inside += e.solver_seconds;
    e.solve_rate = double(e.solved) / e.problems;
    std::tie(e.solve_rate_low95, e.solve_rate_high95) = wilson_interval(e.solved, e.problems);
    e.cell_accuracy = cells_total > 0 ? cells_right / cells_total : 0.0;
    e.mean_ms = mean(ms);
    e.median_ms = percentile(ms, 0.5);
    e.p95_ms = percentile(ms, 0.95);
    e.problems_per_second = e.solver_seconds > 0 ? e.problems / e.solver_seconds : 0.0;
    e.mean_evaluations = evaluations / e.problems;
    e.mean_forward_passes = passes / e.problems;
    e.mean_flops = flops / e.problems;
    e.peak_rss_mb = peak_rss_mb();
    report.solvers.push_back(std::move(e));
  }
  report.total_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  report.harness_overhead = report.total_seconds > 0 ? (report.total_seconds - inside) / report.total_seconds : 0.0;
  return report;
}

nlohmann::json to_json(const SolverEvaluation& e) {
  return {{"spec", e.spec}, {"solver", e.name}, {"config", e.config}, {"problems", e.problems},
          {"solved", e.solved}, {"solve_rate", e.solve_rate}, {"solve_rate_low95", e.solve_rate_low95},
          {"solve_rate_high95", e.solve_rate_high95}, {"matches_reference", e.matches_reference},
          {"valid_but_different", e.valid_but_different}, {"unsolved", e.unsolved},
          {"wrong_claimed", e.wrong_claimed}, {"cell_accuracy", e.cell_accuracy}, {"mean_ms", e.mean_ms},
          {"median_ms", e.median_ms}, {"p95_ms", e.p95_ms}, {"problems_per_second", e.problems_per_second},
          {"mean_evaluations", e.mean_evaluations}, {"mean_forward_passes", e.mean_forward_passes},
          {"mean_flops", e.mean_flops}, {"peak_rss_mb", e.peak_rss_mb}, {"parameters", e.parameters},
          {"device", e.device}, {"solver_seconds", e.solver_seconds}};
}

}  // namespace ebm::sudoku
