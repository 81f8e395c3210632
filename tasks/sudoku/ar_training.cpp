#include "tasks/sudoku/ar_training.h"

#include "ebm/learning/training_records.h"
#include "tasks/sudoku/ar_solver.h"
#include "tasks/sudoku/ar_tokens.h"
#include "tasks/sudoku/training_data.h"

#include <torch/torch.h>

#include <ostream>
#include <sstream>
#include <utility>

namespace ebm::sudoku {

ArTransformerConfig ar_config_for(const ArTrainSettings& s) {
  const ArOrder order = parse_ar_order(s.order);
  const int box = static_cast<int>(s.box);
  require_ar_box(box);
  ArTransformerConfig config;
  if (s.target_parameters > 0) {
    config = ArTransformerConfig::matched_to(s.target_parameters, ar_vocab(box), ar_max_length(order, box), s.layers,
                                             s.heads);
  } else {
    config.vocab = ar_vocab(box);
    config.max_length = ar_max_length(order, box);
    config.d_model = s.d_model;
    config.layers = s.layers;
    config.heads = s.heads;
  }
  std::string error;
  if (!config.IsValid(&error)) throw std::invalid_argument("train ar: " + error);
  return config;
}

namespace {

nlohmann::json architecture_json(const ArTransformerConfig& config, ArOrder order, int64_t box) {
  nlohmann::json j = config.to_json();
  j["order"] = ar_order_name(order);
  j["box"] = box;
  return j;
}

// The validation puzzles of one tier.
struct ValidationSet {
  std::string tier;
  std::vector<Board> puzzles, solutions;
};

std::vector<Tier> tier_list(const std::string& text) {
  std::vector<Tier> tiers;
  std::stringstream names(text);
  for (std::string name; std::getline(names, name, ',');) tiers.push_back(parse_tier(name));
  if (tiers.empty()) throw std::invalid_argument("train ar: no validation tiers");
  return tiers;
}

// Greedy decoding of `set`: (solve rate, accuracy over blank cells).
std::pair<double, double> greedy_scores(ArTransformer& net, ArOrder order, int box, const ValidationSet& set,
                                        int64_t batch, const torch::Device& device) {
  ArSolveSettings settings;
  settings.decode = "greedy";
  settings.batch = batch;
  settings.device = device;
  const auto solved = solve_ar(net, order, box, set.puzzles, settings);
  double ok = 0, right = 0, blanks = 0;
  for (size_t i = 0; i < solved.size(); ++i) {
    ok += solved[i].verified;
    for (size_t c = 0; c < set.puzzles[i].cells.size(); ++c) {
      if (set.puzzles[i].cells[c] != 0) continue;
      ++blanks;
      right += solved[i].answer.cells[c] == set.solutions[i].cells[c];
    }
  }
  return {ok / static_cast<double>(solved.size()), blanks > 0 ? right / blanks : 1.0};
}

constexpr const char* kArObjective = "teacher-forced next-token cross-entropy on the answer tokens (after SEP)";

class ArRecipe : public TrainingRecipe {
 public:
  explicit ArRecipe(const ArTrainSettings& s)
      : s_(s),
        loop_(training_options_of(s)),
        shard_(shard_rows(loop_, s.batch)),
        order_(parse_ar_order(s.order)),
        config_(ar_config_for(s)) {
    if (s.train_puzzles < 1 || s.validation_puzzles < 1)
      throw std::invalid_argument("train ar: train-puzzles and validation-puzzles must be >= 1");
    seed_initialisation(s.seed);
    net_ = ArTransformer(config_);
    net_->to(s.device);
  }

  const ArTransformerConfig& config() const { return config_; }
  int64_t parameter_count() const { return net_->parameter_count(); }

  std::string describe() const override {
    return "model ar-transformer " + config_.to_json().dump() + " order " + s_.order + ", box " +
           std::to_string(s_.box) + ", " +
           std::to_string(parameter_count()) + " parameters; objective: next-token cross-entropy on answer tokens";
  }
  torch::nn::Module& module() override { return *net_; }
  nlohmann::json identity() const override {
    return {{"kind", kArCheckpointKind}, {"architecture", architecture_json(config_, order_, s_.box)}, {"task", "sudoku"}};
  }

  void prepare(std::ostream& log) override {
    const int box = static_cast<int>(s_.box);
    data_ = prepare_training_data(box, data_settings_of(s_), log);
    for (Tier tier : tier_list(s_.validation_tiers)) {
      ValidationSet set{tier_name(tier), {}, {}};
      if (tier == Tier::hardest) {  // prepare_training_data drew these already
        set.puzzles = data_.validation;
        set.solutions = data_.validation_solutions;
      } else {
        for (const auto& g : validation_boards(box, s_.validation_puzzles, s_.seed, tier)) {
          set.puzzles.push_back(g.puzzle);
          set.solutions.push_back(g.solution);
        }
      }
      validation_.push_back(std::move(set));
    }
    ArBatch all = encode_ar_batch(data_.puzzles, data_.solutions, order_);
    // Loss mask over target positions j (token j + 1 is predicted from tokens 0..j): answer tokens only.
    length_ = all.tokens.size(1);
    auto positions = torch::arange(1, length_, torch::kLong).unsqueeze(0);  // index of the predicted token
    mask_ = ((positions >= ar_prompt_length(box)) & (positions < all.lengths.unsqueeze(1))).to(s_.device);
    tokens_ = all.tokens.to(s_.device);
  }

  // The step's whole batch is drawn, then this process keeps its rows.
  torch::Tensor loss(int64_t step) override {
    const torch::Tensor batch_index = draw_step(s_.seed, step, data_.puzzles.size(), s_.batch, s_.device).index;
    const auto [begin, end] = shard_;
    const torch::Tensor index = batch_index.narrow(0, begin, end - begin);
    auto tokens = tokens_.index_select(0, index);
    auto mask = mask_.index_select(0, index);
    auto logits = net_->forward(tokens.narrow(1, 0, length_ - 1));  // [B, L-1, V]
    auto targets = tokens.narrow(1, 1, length_ - 1);
    auto nll = torch::nn::functional::cross_entropy(
        logits.reshape({-1, config_.vocab}), targets.reshape({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    auto weights = mask.reshape({-1}).to(nll.dtype());
    auto loss = (nll * weights).sum() / weights.sum().clamp_min(1.0);
    if (s_.world_size == 1) return loss;
    // A mean over answer tokens, whose number may differ per board: weighted to this shard's share.
    const double batch_tokens = mask_.index_select(0, batch_index).sum().item<double>();
    return loss * shard_mean_weight(loop_, weights.sum().item<double>(), batch_tokens);
  }

  nlohmann::json validate(int64_t step, std::ostream& log) override {
    nlohmann::json metrics;
    double solved_sum = 0, cells_sum = 0;
    for (const auto& set : validation_) {
      const auto [solved, cells] = greedy_scores(net_, order_, static_cast<int>(s_.box), set, s_.batch, s_.device);
      log << "validation at step " << step << ": " << set.tier << " tier, solved " << solved * 100 << "% of "
          << set.puzzles.size() << " puzzles (greedy), cell accuracy " << cells * 100 << "% of blank cells\n";
      metrics["validation_" + set.tier + "_solved"] = solved;
      metrics["validation_" + set.tier + "_cell_accuracy"] = cells;
      solved_sum += solved;
      cells_sum += cells;
    }
    metrics["validation_solved"] = solved_sum / static_cast<double>(validation_.size());
    metrics["validation_cell_accuracy"] = cells_sum / static_cast<double>(validation_.size());
    nlohmann::json record = validation_record(data_.validation.size(), s_.seed);
    record["tier"] = s_.validation_tiers;
    record["puzzles_per_tier"] = record["puzzles"];
    record.erase("puzzles");
    record["decode"] = "greedy";
    metrics["validation"] = record;
    return metrics;
  }

  nlohmann::json recipe() const override {
    return {{"data", data_record(data_settings_of(s_), data_.puzzles.size())},
            {"objective", kArObjective},
            {"order", s_.order},
            {"target_parameters", s_.target_parameters}};
  }

 private:
  ArTrainSettings s_;
  TrainingOptions loop_;               // s_'s loop fields, for shard_rows / shard_mean_weight
  std::pair<int64_t, int64_t> shard_;  // this process's rows of every batch
  ArOrder order_;
  ArTransformerConfig config_;
  ArTransformer net_{nullptr};
  TrainingData data_;
  std::vector<ValidationSet> validation_;
  torch::Tensor tokens_, mask_;
  int64_t length_ = 0;
};

}  // namespace

std::vector<ParameterInfo> ar_training_parameters() {
  const ArTrainSettings d;
  std::vector<ParameterInfo> infos = {
      {"order", d.order, "fixed | solver", kTrainParameter},
      {"box", default_text(d.box), "board size: 2 (4x4) or 3 (9x9)", kTrainParameter},
      {"validation-tiers", d.validation_tiers, "tiers of the validation puzzles, comma-separated", kTrainParameter},
      {"params", default_text(d.target_parameters), "target parameter count (0 = use --d-model)", kTrainParameter},
      {"d-model", default_text(d.d_model), "model width", kTrainParameter},
      {"layers", default_text(d.layers), "transformer blocks", kTrainParameter},
      {"heads", default_text(d.heads), "attention heads", kTrainParameter},
  };
  for (auto& info : data_parameters()) infos.push_back(std::move(info));
  return infos;
}

std::unique_ptr<TrainingRecipe> ar_training_recipe(const TrainingOptions& options, const TaskParameters& parameters) {
  const auto infos = ar_training_parameters();
  ArTrainSettings s;
  apply_training_options(options, s);
  apply_data_parameters(parameters, s);
  s.order = parameter_value(parameters, infos, "order");
  s.box = parameter_int(parameters, infos, "box");
  s.validation_tiers = parameter_value(parameters, infos, "validation-tiers");
  s.target_parameters = parameter_int(parameters, infos, "params");
  s.d_model = parameter_int(parameters, infos, "d-model");
  s.layers = parameter_int(parameters, infos, "layers");
  s.heads = parameter_int(parameters, infos, "heads");
  return std::make_unique<ArRecipe>(s);
}

ArTrainResult train_ar(const ArTrainSettings& s, std::ostream& log) {
  ArRecipe recipe(s);
  TrainingResult trained = run_training(recipe, training_options_of(s), log);
  ArTrainResult result;
  result.steps = trained.steps;
  result.first_step = trained.first_step;
  result.final_loss = trained.final_loss;
  result.losses = std::move(trained.losses);
  result.validation_solved = trained.metrics.value("validation_solved", 0.0);
  result.validation_cell_accuracy = trained.metrics.value("validation_cell_accuracy", 0.0);
  result.parameters = recipe.parameter_count();
  result.config = recipe.config();
  return result;
}

}  // namespace ebm::sudoku
