#include "tasks/sudoku/solver.h"

#include "ebm/builtin_energies.h"
#include "samplers/registry.h"
#include "tasks/sudoku/encoding.h"
#include "tasks/sudoku/energies.h"

#include <torch/torch.h>

#include <chrono>
#include <stdexcept>

namespace ebm::sudoku {

std::string default_sampler_spec(const std::string& energy) {
  (void)energy;
  return "anneal:weight_term=1,weight_start=-0.3,weight_end=0.6,period=200/"
         "langevin:mirror=true,step=1.0,noise=0.2,chains=16,verify_every=5";
}

EnergyPtr make_energy(const std::string& kind, int box, const std::string& model, const torch::Device& device) {
  auto sum = std::make_shared<WeightedSumEnergy>();
  if (kind == "constraint" || kind == "combined") {
    sum->add_term(std::make_shared<SudokuConstraintEnergy>(box), 1.0, "constraints");
  } else if (kind != "learned") {
    throw std::invalid_argument("unknown energy '" + kind + "' (constraint, learned, combined)");
  }
  if (kind != "constraint") throw std::invalid_argument("energy '" + kind + "' needs the learned model, not built yet");
  (void)model;
  sum->add_term(std::make_shared<CategoricalPurityEnergy>(), 0.0, "purity");
  sum->to(device);
  return sum;
}

SolveReport solve(const std::vector<Board>& puzzles, const SolverSettings& settings,
                  const std::function<void(size_t, size_t)>& progress) {
  SolveReport report;
  if (puzzles.empty()) return report;
  const int box = puzzles.front().box;
  for (const auto& p : puzzles)
    if (p.box != box) throw std::invalid_argument("solve: all puzzles of one call must have the same size");
  if (settings.batch < 1) throw std::invalid_argument("solve: batch must be >= 1");
  if (!(settings.budget_ms > 0)) throw std::invalid_argument("solve: budget must be > 0 ms");

  DriverOptions defaults;
  defaults.seed = settings.seed;
  defaults.max_steps = 0;
  defaults.max_ms = settings.budget_ms;
  defaults.trace = settings.trace;
  SamplerSpec spec = parse_sampler_spec(
      settings.sampler.empty() ? default_sampler_spec(settings.energy) : settings.sampler, defaults);
  spec.driver.max_ms = std::min(spec.driver.max_ms > 0 ? spec.driver.max_ms : settings.budget_ms, settings.budget_ms);
  report.sampler = spec.text;
  EnergyPtr energy = make_energy(settings.energy, box, settings.model, settings.device);
  report.energy = energy->describe();

  const auto start = std::chrono::steady_clock::now();
  const auto options = torch::TensorOptions().dtype(torch::kFloat).device(settings.device);
  const AnswerSpace space = answer_space(box);
  for (size_t first = 0; first < puzzles.size(); first += settings.batch) {
    const size_t count = std::min<size_t>(settings.batch, puzzles.size() - first);
    std::vector<Board> batch(puzzles.begin() + first, puzzles.begin() + first + count);
    auto givens = encode_givens(batch).to(settings.device);

    RunRequest request;
    request.energy = energy;
    request.problems = static_cast<int64_t>(count);
    request.space = space;
    request.clamp = givens_clamp(space, givens, options);
    request.device = settings.device;
    request.verifier = [&givens, box](const torch::Tensor& decoded, const torch::Tensor& problem) {
      return valid_completions(decoded, givens.index_select(0, problem), box);
    };
    DriverOptions driver = spec.driver;
    driver.seed = settings.seed + first;
    RunResult result = run_sampler(*spec.sampler, request, driver);
    if (settings.trace && first == 0) report.trace = result.trace;

    for (size_t i = 0; i < count; ++i) {
      const ProblemResult& r = result.problems[i];
      SolvedPuzzle solved;
      solved.answer = decode_boards(space.decode(r.answer.unsqueeze(0)), box).front();
      solved.verified = is_valid_solution(batch[i], solved.answer);
      solved.energy = r.energy;
      solved.steps = r.steps;
      solved.evaluations = r.evaluations;
      solved.ms = r.elapsed_ms;
      solved.chains = driver.chains;
      report.puzzles.push_back(solved);
    }
    if (progress) progress(first + count, puzzles.size());
  }
  report.total_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace ebm::sudoku
