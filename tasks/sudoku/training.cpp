#include "tasks/sudoku/training.h"

#include "ebm/learning/objectives.h"
#include "ebm/learning/training_records.h"
#include "ebm/samplers/registry.h"
#include "tasks/sudoku/encoding.h"
#include "ebm/tasks/sudoku/solver.h"
#include "tasks/sudoku/training_data.h"

#include <torch/torch.h>

#include <ostream>

namespace ebm::sudoku {

namespace {

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
  // Each data-parallel rank samples its own negatives (rank 0 with the single-process seed).
  spec.driver.seed = s.seed * 7 + static_cast<uint64_t>(step) + static_cast<uint64_t>(s.rank) * 1000003;
  RunResult result = run_sampler(*spec.sampler, request, spec.driver);
  for (auto& p : net.parameters()) p.requires_grad_(true);
  return result.best_states;
}

std::string objective_formula(const TrainSettings& s) {
  if (s.objective == "contrastive")
    return "contrastive: E(y*) - E(y-) + 0.1 (E(y*)^2 + E(y-)^2), y- = " + std::to_string(s.negative_steps) +
           " mirror-Langevin steps from y~";
  return "denoising gradient matching: dE/dy(y~) = y~ - y*, y~ = (1-t) y* + t softmax(2z)";
}

class EnergyRecipe : public TrainingRecipe {
 public:
  explicit EnergyRecipe(const TrainSettings& s) : s_(s), loop_(training_options_of(s)), shard_(shard_rows(loop_, s.batch)) {
    if (!(s.t_min > 0 && s.t_min < 1)) throw std::invalid_argument("train: t-min must be in (0, 1)");
    if (s.objective != "denoising" && s.objective != "contrastive")
      throw std::invalid_argument("train: objective must be denoising or contrastive, got '" + s.objective + "'");
    if (s.negative_steps < 1) throw std::invalid_argument("train: negative-steps must be >= 1");
    if (s.train_puzzles < 1) throw std::invalid_argument("train: train-puzzles must be >= 1");
    seed_initialisation(s.seed);
    net_ = std::make_shared<SudokuEnergyNet>(s.architecture);
    net_->to(s.device);
  }

  std::string describe() const override {
    return "model " + net_->describe() + ", " + std::to_string(net_->parameter_count()) +
           " parameters; objective: " + s_.objective;
  }
  torch::nn::Module& module() override { return *net_; }
  nlohmann::json identity() const override {
    return {{"kind", kLearnedEnergyKind}, {"architecture", s_.architecture.to_json()}, {"task", "sudoku"}};
  }

  void prepare(std::ostream& log) override {
    data_ = prepare_training_data(static_cast<int>(s_.architecture.box), data_settings_of(s_), log);
    givens_ = encode_givens(data_.puzzles).to(s_.device);
    clean_ = one_hot_boards(data_.solutions, float_options());
  }

  // The step's whole batch is drawn (boards, t, z, in this order), then this process keeps its rows.
  torch::Tensor loss(int64_t step) override {
    auto [gen, batch_index] = draw_step(s_.seed, step, data_.puzzles.size(), s_.batch, s_.device);
    const int64_t n = s_.architecture.box * s_.architecture.box;
    auto batch_t = torch::rand({s_.batch, 1, 1}, gen, float_options()) * (1.0 - s_.t_min) + s_.t_min;
    auto batch_z = torch::randn({s_.batch, n * n, n}, gen, float_options());
    const auto [begin, end] = shard_;
    auto index = batch_index.narrow(0, begin, end - begin);
    auto givens = givens_.index_select(0, index);
    auto clean = clean_.index_select(0, index);
    auto t = batch_t.narrow(0, begin, end - begin);
    auto u = torch::softmax(batch_z.narrow(0, begin, end - begin) * 2.0, -1);
    auto free = (givens < 0).unsqueeze(-1).expand({end - begin, n * n, n});
    auto noisy = torch::where(free, (1.0 - t) * clean + t * u, clean);
    if (s_.objective == "contrastive")  // equal terms per board: the shard means average to the batch's
      return contrastive_loss(*net_, givens, clean, sample_negatives(*net_, givens, noisy, s_, step));
    auto loss = denoising_gradient_loss(*net_, givens, noisy, clean, free);
    if (s_.world_size == 1) return loss;
    // A mean over free cells, whose number differs per board: weighted to this shard's share.
    const double batch_free = (givens_.index_select(0, batch_index) < 0).sum().item<double>();
    return loss * shard_mean_weight(loop_, (givens < 0).sum().item<double>(), batch_free);
  }

  nlohmann::json validate(int64_t step, std::ostream& log) override {
    const double learned = validation_rate("learned");
    const double combined = validation_rate("combined");
    log << "validation at step " << step << ": solved " << learned * 100 << "% (learned), " << combined * 100
        << "% (combined) of " << data_.validation.size() << " hardest-tier puzzles at " << s_.validation_budget_ms
        << " ms\n";
    auto record = validation_record(data_.validation.size(), s_.seed);
    record["budget_ms"] = s_.validation_budget_ms;
    return {{"validation_solved_learned", learned}, {"validation_solved_combined", combined}, {"validation", record}};
  }

  nlohmann::json recipe() const override {
    return {{"data", data_record(data_settings_of(s_), data_.puzzles.size())},
            {"objective", objective_formula(s_)},
            {"t_min", s_.t_min}};
  }

 private:
  torch::TensorOptions float_options() const { return torch::TensorOptions().dtype(torch::kFloat).device(s_.device); }

  double validation_rate(const std::string& energy) {
    SolverSettings settings;
    settings.energy = energy;
    settings.learned = net_;
    settings.budget_ms = s_.validation_budget_ms;
    settings.batch = static_cast<int64_t>(data_.validation.size());
    settings.device = s_.device;
    settings.seed = 1;
    auto report = solve(data_.validation, settings);
    double ok = 0;
    for (const auto& p : report.puzzles) ok += p.verified;
    return ok / static_cast<double>(data_.validation.size());
  }

  TrainSettings s_;
  TrainingOptions loop_;               // s_'s loop fields, for shard_rows / shard_mean_weight
  std::pair<int64_t, int64_t> shard_;  // this process's rows of every batch
  std::shared_ptr<SudokuEnergyNet> net_;
  TrainingData data_;
  torch::Tensor givens_, clean_;
};

}  // namespace

std::vector<ParameterInfo> energy_training_parameters() {
  const TrainSettings d;
  std::vector<ParameterInfo> infos = {
      {"hidden", default_text(d.architecture.hidden), "hidden width per cell", kTrainParameter},
      {"layers", default_text(d.architecture.layers), "message-passing layers", kTrainParameter},
      {"objective", d.objective, "denoising (gradient matching) | contrastive (sampler negatives)", kTrainParameter},
      {"negative-steps", default_text(d.negative_steps), "contrastive: sampler steps per negative", kTrainParameter},
      {"t-min", default_text(d.t_min), "smallest corruption level t in y~ = (1-t) y* + t u", kTrainParameter},
      {"validation-budget-ms", default_text(d.validation_budget_ms), "solver budget for validation",
       kTrainParameter},
  };
  for (auto& info : data_parameters()) infos.push_back(std::move(info));
  return infos;
}

std::unique_ptr<TrainingRecipe> energy_training_recipe(const TrainingOptions& options,
                                                       const TaskParameters& parameters) {
  const auto infos = energy_training_parameters();
  TrainSettings s;
  apply_training_options(options, s);
  apply_data_parameters(parameters, s);
  s.architecture.hidden = parameter_int(parameters, infos, "hidden");
  s.architecture.layers = parameter_int(parameters, infos, "layers");
  s.objective = parameter_value(parameters, infos, "objective");
  s.negative_steps = parameter_int(parameters, infos, "negative-steps");
  s.t_min = parameter_double(parameters, infos, "t-min");
  s.validation_budget_ms = parameter_double(parameters, infos, "validation-budget-ms");
  return energy_training_recipe(s);
}

std::unique_ptr<TrainingRecipe> energy_training_recipe(const TrainSettings& settings) {
  // Only an architecture that a checkpoint may hold (what `solve --model` reads back) is trained:
  // throws std::invalid_argument naming the field and its range otherwise.
  (void)LearnedEnergyConfig::from_json(settings.architecture.to_json());
  return std::make_unique<EnergyRecipe>(settings);
}

TrainResult train(const TrainSettings& s, std::ostream& log) {
  auto recipe = energy_training_recipe(s);
  const TrainingResult trained = run_training(*recipe, training_options_of(s), log);
  TrainResult result;
  result.steps = trained.steps;
  result.final_loss = trained.final_loss;
  result.validation_learned = trained.metrics.value("validation_solved_learned", 0.0);
  result.validation_combined = trained.metrics.value("validation_solved_combined", 0.0);
  return result;
}

}  // namespace ebm::sudoku
