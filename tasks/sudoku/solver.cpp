#include "tasks/sudoku/solver.h"

#include "ebm/builtin_energies.h"
#include "samplers/registry.h"
#include "tasks/sudoku/encoding.h"
#include "tasks/sudoku/energies.h"
#include "tasks/sudoku/learned_energy.h"

#include <torch/torch.h>

#include "ebm/version.h"

#include <chrono>
#include <map>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace ebm::sudoku {

std::string default_sampler_spec(const std::string& energy) {
  (void)energy;
  // Tuned on generated hardest-tier puzzles (docs/BENCHMARKS.md): mirror Langevin on the cell
  // simplices; the purity weight rises from -0.3 (spread out) to 0.6 (commit) every 400 steps,
  // re-melting the chains that have not been verified; the verifier checks every 5 steps.
  return "anneal:weight_term=1,weight_start=-0.3,weight_end=0.6,period=400/"
         "langevin:mirror=true,step=1.0,noise=0.2,chains=16,verify_every=5,track_best=false";
}

std::string shipped_model_path() {
  std::vector<std::string> folders;
  if (const char* env = std::getenv("EBM_MODEL_DIR")) folders.emplace_back(env);
  folders.emplace_back(EBM_SOURCE_MODEL_DIR);
  folders.emplace_back(EBM_INSTALLED_MODEL_DIR);
  for (const auto& folder : folders) {
    const auto path = std::filesystem::path(folder) / "sudoku-energy.ckpt";
    if (std::filesystem::exists(path)) return path.string();
  }
  return "";
}

EnergyPtr make_energy(const std::string& kind, int box, const std::string& model, const torch::Device& device,
                      EnergyPtr learned) {
  if (kind != "constraint" && kind != "learned" && kind != "combined")
    throw std::invalid_argument("unknown energy '" + kind + "' (constraint, learned, combined)");
  auto sum = std::make_shared<WeightedSumEnergy>();
  // Term 0: the main energy; term 1: purity (annealed by the sampler); term 2: learned (combined).
  if (kind != "constraint" && !learned) {
    const std::string path = model.empty() ? shipped_model_path() : model;
    if (path.empty())
      throw std::invalid_argument("energy '" + kind + "' needs a learned model: --model FILE (no shipped model found)");
    learned = load_learned_energy(path, device);
  }
  if (learned) {
    auto* net = dynamic_cast<SudokuEnergyNet*>(learned.get());
    if (net && net->config().box != box)
      throw std::invalid_argument("the learned model is for box size " + std::to_string(net->config().box) +
                                  ", the puzzles have " + std::to_string(box));
  }
  if (kind == "learned") sum->add_term(learned, 1.0, "learned");
  else sum->add_term(std::make_shared<SudokuConstraintEnergy>(box), 1.0, "constraints");
  sum->add_term(std::make_shared<CategoricalPurityEnergy>(), 0.0, "purity");
  if (kind == "combined") sum->add_term(learned, 1.0, "learned");
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
  EnergyPtr energy = make_energy(settings.energy, box, settings.model, settings.device, settings.learned);
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
    request.condition = givens;
    request.device = settings.device;
    request.verifier = [&givens, box](const torch::Tensor& decoded, const torch::Tensor& problem) {
      return valid_completions(decoded, givens.index_select(0, problem), box);
    };
    if (settings.trace_chains_every > 0 && first == 0) {
      const int64_t every = settings.trace_chains_every, chains_per_problem = spec.driver.chains;
      request.callbacks.push_back([&report, every, chains_per_problem, box](const IterationInfo& info) {
        if (info.step % every != 0) return CallbackResult::CONTINUE;
        torch::NoGradGuard no_grad;
        const int64_t n = box * box;
        auto decoded = info.chains->y.argmax(-1);
        auto counts = unit_digit_sums(torch::one_hot(decoded, n).to(torch::kFloat), box);
        auto violations = (counts - 1.0).abs().sum({1, 2}).to(torch::kCPU);
        auto energy = info.chains->energy.to(torch::kCPU).to(torch::kDouble);
        auto ids = info.chain_ids.to(torch::kCPU);
        auto boards = decode_boards(decoded, box);
        std::map<int64_t, int64_t> best_row;  // problem -> row of its lowest-energy chain
        for (int64_t r = 0; r < ids.size(0); ++r) {
          const int64_t problem = ids[r].item<int64_t>() / chains_per_problem;
          auto it = best_row.find(problem);
          if (it == best_row.end() || energy[r].item<double>() < energy[it->second].item<double>()) best_row[problem] = r;
        }
        for (int64_t r = 0; r < ids.size(0); ++r) {
          ChainTraceRow row;
          row.step = info.step;
          row.chain = ids[r].item<int64_t>();
          row.problem = row.chain / chains_per_problem;
          row.energy = energy[r].item<double>();
          row.violations = static_cast<int64_t>(violations[r].item<double>());
          if (best_row[row.problem] == r) row.board = to_line(boards[r]);
          report.chain_trace.push_back(std::move(row));
        }
        return CallbackResult::CONTINUE;
      });
    }
    DriverOptions driver = spec.driver;
    driver.seed = settings.seed + first;
    RunResult result = run_sampler(*spec.sampler, request, driver);
    if (settings.trace && first == 0) report.trace = result.trace;

    // The energy reported is that of the decoded (one-hot) answer, with the energy's final weights.
    std::vector<torch::Tensor> states;
    for (const auto& r : result.problems) states.push_back(r.answer);
    auto decoded = space.decode(torch::stack(states));
    torch::Tensor answer_energy;
    {
      torch::NoGradGuard no_grad;
      answer_energy = energy->forward(givens, torch::one_hot(decoded, box * box).to(options)).to(torch::kCPU);
    }
    auto answers = decode_boards(decoded, box);
    for (size_t i = 0; i < count; ++i) {
      const ProblemResult& r = result.problems[i];
      SolvedPuzzle solved;
      solved.answer = answers[i];
      solved.verified = is_valid_solution(batch[i], solved.answer);
      solved.energy = answer_energy[i].item<double>();
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
