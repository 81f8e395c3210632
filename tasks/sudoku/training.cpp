#include "tasks/sudoku/training.h"

#include "ebm/learning/training_objectives.h"
#include "ebm/learning/training_records.h"
#include "ebm/samplers/registry.h"
#include "tasks/sudoku/encoding.h"
#include "ebm/samplers/task_solver.h"
#include "tasks/sudoku/task.h"
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
  request.device = s.loop.device;
  request.initializer = [&start](const torch::Tensor& problems, torch::Generator&) {
    return start.index_select(0, problems);
  };
  SamplerSpec spec = parse_sampler_spec("langevin:mirror=true,step=0.5,noise=0.1,track_best=false,steps=" +
                                        std::to_string(s.negative_steps));
  // Each data-parallel rank samples its own negatives (rank 0 with the single-process seed).
  spec.driver.seed = s.loop.seed * 7 + static_cast<uint64_t>(step) + static_cast<uint64_t>(s.loop.rank) * 1000003;
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
  explicit EnergyRecipe(const TrainSettings& s) : s_(s), shard_(shard_rows(s.loop, s.loop.batch)) {
    if (!(s.t_min > 0 && s.t_min < 1)) throw std::invalid_argument("train: t-min must be in (0, 1)");
    if (s.objective != "denoising" && s.objective != "contrastive")
      throw std::invalid_argument("train: objective must be denoising or contrastive, got '" + s.objective + "'");
    if (s.negative_steps < 1) throw std::invalid_argument("train: negative-steps must be >= 1");
    if (s.data.train_puzzles < 1) throw std::invalid_argument("train: train-puzzles must be >= 1");
    seed_initialisation(s.loop.seed);
    net_ = std::make_shared<SudokuEnergyNet>(s.architecture);
    net_->to(s.loop.device);
  }

  std::string describe() const override {
    return "model " + net_->describe() + ", " + std::to_string(parameter_count(*net_)) +
           " parameters; objective: " + s_.objective;
  }
  torch::nn::Module& module() override { return *net_; }
  nlohmann::json identity() const override {
    return {{"kind", kLearnedEnergyKind}, {"architecture", s_.architecture.to_json()}, {"task", "sudoku"}};
  }

  void prepare(std::ostream& log) override {
    data_ = prepare_training_data(static_cast<int>(s_.architecture.box), s_.data, log);
    givens_ = encode_givens(data_.puzzles).to(s_.loop.device);
    clean_ = one_hot_boards(data_.solutions, float_options());
  }

  // The step's whole batch is drawn (boards, t, z, in this order), then this process keeps its rows.
  torch::Tensor loss(int64_t step) override {
    auto [gen, batch_index] = draw_step(s_.loop.seed, step, data_.puzzles.size(), s_.loop.batch, s_.loop.device);
    const int64_t n = s_.architecture.box * s_.architecture.box;
    auto batch_t = torch::rand({s_.loop.batch, 1, 1}, gen, float_options()) * (1.0 - s_.t_min) + s_.t_min;
    auto batch_z = torch::randn({s_.loop.batch, n * n, n}, gen, float_options());
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
    if (s_.loop.world_size == 1) return loss;
    // A mean over free cells, whose number differs per board: weighted to this shard's share.
    const double batch_free = (givens_.index_select(0, batch_index) < 0).sum().item<double>();
    return loss * shard_mean_weight(s_.loop, (givens < 0).sum().item<double>(), batch_free);
  }

  nlohmann::json validate(int64_t step, std::ostream& log) override {
    const double learned = validation_rate("learned");
    const double combined = validation_rate("combined");
    auto record = validation_record(s_.data, data_.validation.size());
    record["budget_ms"] = s_.validation_budget_ms;
    log << "validation at step " << step << ": solved " << learned * 100 << "% (learned), " << combined * 100
        << "% (combined) of " << data_.validation.size() << " " << record["tier"].get<std::string>()
        << "-tier puzzles at " << s_.validation_budget_ms << " ms\n";
    return {{"validation_solved_learned", learned}, {"validation_solved_combined", combined}, {"validation", record}};
  }

  nlohmann::json recipe() const override {
    return {{"data", data_record(s_.data, data_.puzzles.size())},
            {"objective", objective_formula(s_)},
            {"t_min", s_.t_min}};
  }

 private:
  torch::TensorOptions float_options() const { return torch::TensorOptions().dtype(torch::kFloat).device(s_.loop.device); }

  double validation_rate(const std::string& energy) {
    std::vector<ProblemPtr> problems;
    for (const auto& puzzle : data_.validation) problems.push_back(make_problem(puzzle, "validation"));
    EbmSettings settings;
    settings.energy = {energy, "", net_};
    settings.budget_ms = s_.validation_budget_ms;
    settings.batch = static_cast<int64_t>(problems.size());
    settings.device = s_.loop.device;
    settings.seed = 1;
    auto report = solve_with_energy(*make_task(), problems, settings);
    double ok = 0;
    for (const auto& p : report.problems) ok += p.verified;
    return ok / static_cast<double>(problems.size());
  }

  TrainSettings s_;
  std::pair<int64_t, int64_t> shard_;  // this process's rows of every batch
  std::shared_ptr<SudokuEnergyNet> net_;
  TrainingData data_;
  torch::Tensor givens_, clean_;
};

}  // namespace

std::vector<ParameterInfo> energy_training_parameters() {
  const TrainSettings d;
  std::vector<ParameterInfo> infos = {
      {"box", "3", "box size: 2 (4x4), 3 (9x9), 4 (16x16; not the AR baseline)", GenerateParameter | TrainParameter},
      {"hidden", c10::str(d.architecture.hidden), "hidden width per cell", TrainParameter},
      {"layers", c10::str(d.architecture.layers), "message-passing layers", TrainParameter},
      {"objective", d.objective, "denoising (gradient matching) | contrastive (sampler negatives)", TrainParameter},
      {"negative-steps", c10::str(d.negative_steps), "contrastive: sampler steps per negative", TrainParameter},
      {"t-min", c10::str(d.t_min), "smallest corruption level t in y~ = (1-t) y* + t u", TrainParameter},
      {"validation-budget-ms", c10::str(d.validation_budget_ms), "solver budget for validation",
       TrainParameter},
  };
  for (auto& info : data_parameters()) infos.push_back(std::move(info));
  return infos;
}

std::unique_ptr<TrainingRecipe> energy_training_recipe(const TrainingOptions& options,
                                                       const TaskParameters& parameters) {
  const auto infos = energy_training_parameters();
  TrainSettings s;
  s.loop = options;
  s.data = data_settings(parameters, options.seed);
  s.architecture.box = parameter_int(parameters, infos, "box");
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

}  // namespace ebm::sudoku
