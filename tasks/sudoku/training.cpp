#include "tasks/sudoku/training.h"

#include "ebm/atomic_file.h"
#include "ebm/checkpoint.h"
#include "ebm/device.h"
#include "ebm/objectives.h"
#include "tasks/sudoku/encoding.h"
#include "tasks/sudoku/generator.h"
#include "samplers/registry.h"
#include "tasks/sudoku/solver.h"
#include "tasks/sudoku/training_data.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace ebm::sudoku {

namespace {

double validation_rate(const std::vector<Board>& puzzles, const std::shared_ptr<SudokuEnergyNet>& net,
                       const std::string& energy, const TrainSettings& s) {
  SolverSettings settings;
  settings.energy = energy;
  settings.learned = net;
  settings.budget_ms = s.validation_budget_ms;
  settings.batch = static_cast<int64_t>(puzzles.size());
  settings.device = s.device;
  settings.seed = 1;
  torch::NoGradGuard no_grad;
  auto report = solve(puzzles, settings);
  double ok = 0;
  for (const auto& p : report.puzzles) ok += p.verified;
  return ok / puzzles.size();
}

// Negatives for the contrastive objective: short runs of mirror Langevin on the current energy
// (weights frozen meanwhile), from the corrupted boards, givens clamped.
torch::Tensor sample_negatives(SudokuEnergyNet& net, const torch::Tensor& givens, const torch::Tensor& start,
                               const TrainSettings& s, int64_t step) {
  for (auto& p : net.parameters()) p.requires_grad_(false);
  const int box = static_cast<int>(s.architecture.box);
  RunRequest request;
  request.energy = std::shared_ptr<Energy>(&net, [](Energy*) {});  // borrowed for the run
  request.problems = givens.size(0);
  request.condition = givens;
  request.space = answer_space(box);
  request.clamp = givens_clamp(request.space, givens, start.options());
  request.device = s.device;
  request.initializer = [&start](const torch::Tensor& problems, torch::Generator&) {
    return start.index_select(0, problems);
  };
  SamplerSpec spec = parse_sampler_spec("langevin:mirror=true,step=0.5,noise=0.1,track_best=false,steps=" +
                                        std::to_string(s.negative_steps));
  spec.driver.seed = s.seed * 7 + static_cast<uint64_t>(step);
  RunResult result = run_sampler(*spec.sampler, request, spec.driver);
  for (auto& p : net.parameters()) p.requires_grad_(true);
  return result.best_states;
}

}  // namespace

TrainResult train(const TrainSettings& s, std::ostream& log) {
  if (s.steps < 1 || s.batch < 1 || s.train_puzzles < 1 || s.validate_every < 1)
    throw std::invalid_argument("train: steps, batch, train-puzzles and validate-every must be >= 1");
  if (!(s.learning_rate > 0)) throw std::invalid_argument("train: learning rate must be > 0");
  if (!(s.t_min > 0 && s.t_min < 1)) throw std::invalid_argument("train: t-min must be in (0, 1)");
  if (s.objective != "denoising" && s.objective != "contrastive")
    throw std::invalid_argument("train: objective must be denoising or contrastive, got '" + s.objective + "'");
  if (s.negative_steps < 1) throw std::invalid_argument("train: negative-steps must be >= 1");

  auto net = std::make_shared<SudokuEnergyNet>(s.architecture);
  net->to(s.device);
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(s.learning_rate));
  int64_t step = 0;
  if (s.resume) {
    auto metadata = load_checkpoint(s.output, *net, {kLearnedEnergyKind, s.architecture.to_json()}, s.device);
    step = metadata.at("training").at("step").get<int64_t>();
    load_optimizer_if_present(optimizer, s.output);
    log << "resumed " << s.output << " at step " << step << "\n";
  }

  log << "generating " << s.train_puzzles << " training boards (" << s.tiers << ", seed " << s.seed << ")...\n";
  const int box = static_cast<int>(s.architecture.box);
  auto data = training_boards(box, s.train_puzzles, s.tiers, s.seed);
  std::vector<Board> validation;
  for (const auto& g : validation_boards(box, s.validation_puzzles, s.seed)) validation.push_back(g.puzzle);

  std::vector<Board> puzzles, solutions;
  for (const auto& d : data) {
    puzzles.push_back(d.puzzle);
    solutions.push_back(d.solution);
  }
  const auto options = torch::TensorOptions().dtype(torch::kFloat).device(s.device);
  auto all_givens = encode_givens(puzzles).to(s.device);
  auto all_clean = one_hot_boards(solutions, options);
  const int64_t n = s.architecture.box * s.architecture.box;
  log << "model " << net->describe() << ", " << net->parameter_count() << " parameters; objective: " << s.objective << "\n";

  TrainResult result;
  LossLog loss_log;
  while (step < s.steps) {
    auto gen = make_generator(s.seed * 1000003 + static_cast<uint64_t>(step), s.device);
    auto index = torch::randint(static_cast<int64_t>(data.size()), {s.batch}, gen,
                                torch::TensorOptions().dtype(torch::kLong).device(s.device));
    auto givens = all_givens.index_select(0, index);
    auto clean = all_clean.index_select(0, index);
    auto t = (torch::rand({s.batch, 1, 1}, gen, options) * (1.0 - s.t_min) + s.t_min);
    auto u = torch::softmax(torch::randn(clean.sizes(), gen, options) * 2.0, -1);
    auto free = (givens < 0).unsqueeze(-1).expand({s.batch, n * n, n});
    auto noisy = torch::where(free, (1.0 - t) * clean + t * u, clean);
    net->train();
    torch::Tensor loss;
    if (s.objective == "contrastive") {
      auto negatives = sample_negatives(*net, givens, noisy, s, step);
      optimizer.zero_grad();
      loss = contrastive_loss(*net, givens, clean, negatives);
    } else {
      optimizer.zero_grad();
      loss = denoising_gradient_loss(*net, givens, noisy, clean, free);
    }
    loss.backward();
    optimizer.step();
    ++step;
    if (auto mean = loss_log.add(loss.item<double>(), step, s.steps, log)) result.final_loss = *mean;
    if (step % s.validate_every == 0 || step == s.steps) {
      net->eval();
      result.validation_learned = validation_rate(validation, net, "learned", s);
      result.validation_combined = validation_rate(validation, net, "combined", s);
      log << "validation at step " << step << ": solved " << result.validation_learned * 100 << "% (learned), "
          << result.validation_combined * 100 << "% (combined) of " << validation.size()
          << " hardest-tier puzzles at " << s.validation_budget_ms << " ms\n";
      nlohmann::json metadata{
          {"kind", kLearnedEnergyKind},
          {"architecture", s.architecture.to_json()},
          {"task", "sudoku"},
          {"parameters", net->parameter_count()},
          {"training", [&] {
             auto record = training_record(s.command_line, step, s.steps, s.batch, s.learning_rate, s.tiers,
                                           data.size(), s.seed);
             record["objective"] =
                 s.objective == "contrastive"
                     ? "contrastive: E(y*) - E(y-) + 0.1 (E(y*)^2 + E(y-)^2), y- = " + std::to_string(s.negative_steps) +
                           " mirror-Langevin steps from y~"
                     : "denoising gradient matching: dE/dy(y~) = y~ - y*, y~ = (1-t) y* + t softmax(2z)";
             record["t_min"] = s.t_min;
             return record;
           }()},
          {"metrics",
           {{"loss", result.final_loss},
            {"validation_solved_learned", result.validation_learned},
            {"validation_solved_combined", result.validation_combined},
            {"validation", [&] {
               auto record = validation_record(validation.size(), s.seed);
               record["budget_ms"] = s.validation_budget_ms;
               return record;
             }()}}}};
      save_training_checkpoint(s.output, *net, metadata, optimizer, log);
    }
  }
  result.steps = step;
  return result;
}

}  // namespace ebm::sudoku
