#include "tasks/sudoku/energies.h"

#include "ebm/builtin_energies.h"
#include "ebm/checkpoint.h"
#include "ebm/learning/attention_training.h"
#include "ebm/learning/pairwise_training.h"
#include "ebm/model_files.h"
#include "ebm/runtime/fused_loops.h"
#include "tasks/sudoku/encoding.h"
#include "tasks/sudoku/learned_energy.h"

#include <stdexcept>

#include <torch/torch.h>

namespace ebm::sudoku {

torch::Tensor SudokuConstraintEnergy::forward(const torch::Tensor&, const torch::Tensor& answer) {
  auto residual = unit_digit_sums(answer, box_) - 1.0;
  return residual.square().sum({1, 2});
}

torch::Tensor SudokuConstraintEnergy::closed_form_gradient(const torch::Tensor&, const torch::Tensor& answer) {
  auto residual = unit_digit_sums(answer, box_) - 1.0;
  return spread_unit_values(residual * 2.0, box_);
}

EnergyAndGradient SudokuConstraintEnergy::closed_form_energy_and_gradient(const torch::Tensor&,
                                                                          const torch::Tensor& answer) {
  auto residual = unit_digit_sums(answer, box_) - 1.0;
  return {residual.square().sum({1, 2}), spread_unit_values(residual * 2.0, box_)};
}

namespace {

// Rows, columns and boxes: each cell in three of the 3N units, N digits each.
class UnitSumsRowKernel : public RowEnergyKernel {
 public:
  explicit UnitSumsRowKernel(int box) : n_(box * box) {
    for (int cell = 0; cell < n_ * n_; ++cell) {
      const int row = cell / n_, col = cell % n_;
      unit_of_cell_.insert(unit_of_cell_.end(), {row, n_ + col, 2 * n_ + (row / box) * box + col / box});
    }
  }
  double accumulate(int64_t, const float* answer, float weight, float* gradient) const override {
    thread_local std::vector<float> residual;
    residual.resize(size_t(3 * n_ * n_));
    return fused::unit_sums_accumulate(answer, unit_of_cell_.data(), 3, int64_t(n_) * n_, n_, 3 * n_, weight, gradient,
                                       residual.data());
  }

 private:
  int n_;
  std::vector<int32_t> unit_of_cell_;
};

}  // namespace

RowKernelPtr SudokuConstraintEnergy::row_kernel(const torch::Tensor&, torch::IntArrayRef answer_shape) {
  const int64_t n = int64_t(box_) * box_;
  if (answer_shape.size() != 2 || answer_shape[0] != n * n || answer_shape[1] != n) return nullptr;
  if (!row_kernel_) row_kernel_ = std::make_shared<UnitSumsRowKernel>(box_);  // immutable: made once
  return row_kernel_;
}

std::string default_sampler_spec(const std::string& energy) {
  (void)energy;
  // Tuned on generated hardest-tier puzzles (docs/BENCHMARKS.md): mirror Langevin on the cell
  // simplices; the purity weight rises from -0.3 (spread out) to 0.6 (commit) every 400 steps,
  // re-melting the chains that have not been verified; the verifier checks every 5 steps.
  return "anneal:weight_term=1,weight_start=-0.3,weight_end=0.6,period=400/"
         "langevin:mirror=true,step=1.0,noise=0.2,chains=16,verify_every=5,track_best=false";
}

std::string shipped_model_path() { return shipped_model_file("sudoku-energy.ckpt"); }

namespace {

// Refuses a pairwise model whose training data were grids of another variant or layout.
void require_same_layout(const std::string& path, const Layout& layout) {
  const nlohmann::json metadata = read_checkpoint_metadata(path);
  nlohmann::json data;
  if (metadata.contains("training") && metadata["training"].is_object() && metadata["training"].contains("data"))
    data = metadata["training"]["data"];
  auto text = [&data](const char* key, const std::string& fallback) {
    return data.is_object() && data.contains(key) && data[key].is_string() ? data[key].get<std::string>() : fallback;
  };
  const std::string variant = text("variant", "standard"), regions = text("layout", "");
  if (variant == variant_name(layout.variant) && regions == layout.regions) return;
  const std::string trained = variant == "jigsaw" ? "jigsaw (layout " + regions + ")" : variant;
  throw std::invalid_argument("the pairwise model '" + path + "' was trained on sudoku --variant " + trained +
                              " grids; these puzzles are " + layout.describe() +
                              " (train one: ebm train sudoku --variant " + variant_name(layout.variant) +
                              " --model pairwise)");
}

// A task-neutral energy learned from solved grids (pairwise or attention), from --model or the
// shipped models/sudoku-KIND.ckpt, checked against the board size, plus the purity term the
// sampler anneals. check_data: refuse a model trained on another variant or layout
// (require_same_layout). A null layout (puzzles not read yet) checks neither size nor data.
EnergyPtr categorical_energy(const std::string& kind, const Layout* layout, const std::string& model,
                             const torch::Device& device, bool check_data) {
  const std::string path = model.empty() ? shipped_model_file("sudoku-" + kind + ".ckpt") : model;
  if (path.empty())
    throw std::invalid_argument("energy '" + kind + "' needs a trained model: --model FILE (none shipped; train one with "
                                "ebm train sudoku --model " + kind + ")");
  EnergyPtr learned;
  int64_t variables = 0, categories = 0;
  if (kind == "pairwise") {
    auto pairwise = load_pairwise_energy(path, device);
    variables = pairwise->shape().variables, categories = pairwise->shape().categories, learned = pairwise;
  } else {
    auto attention = load_attention_energy(path, device);
    variables = attention->shape().variables, categories = attention->shape().categories, learned = attention;
  }
  if (layout && check_data) require_same_layout(path, *layout);
  const int64_t n = layout ? int64_t(layout->box) * layout->box : categories;
  if (variables != n * n || categories != n)
    throw std::invalid_argument("the " + kind + " model '" + path + "' has " + std::to_string(variables) +
                                " variables of " + std::to_string(categories) + " categories; these puzzles need " +
                                std::to_string(n * n) + " of " + std::to_string(n));
  auto sum = std::make_shared<WeightedSumEnergy>();
  sum->add_term(learned, 1.0, kind);
  sum->add_term(std::make_shared<CategoricalPurityEnergy>(), 0.0, "purity");
  sum->to(device);
  return sum;
}

}  // namespace

EnergyPtr make_energy(const std::string& kind, int box, const std::string& model, const torch::Device& device,
                      EnergyPtr learned) {
  if (kind == "pairwise" || kind == "attention") {
    if (box == 0) return categorical_energy(kind, nullptr, model, device, false);
    const Layout layout = standard_layout(box);
    return categorical_energy(kind, &layout, model, device, false);
  }
  if (box == 0 && (kind == "learned" || kind == "combined")) {  // the model's own size
    if (!learned && !model.empty()) learned = load_learned_energy(model, device);
    auto* net = dynamic_cast<SudokuEnergyNet*>(learned.get());
    box = net ? net->config().box : 3;
  }
  return make_energy(kind, standard_layout(box == 0 ? 3 : box), model, device, std::move(learned));
}

EnergyPtr make_energy(const std::string& kind, const Layout& layout, const std::string& model,
                      const torch::Device& device, EnergyPtr learned) {
  const int box = layout.box;
  if (kind == "pairwise" || kind == "attention") return categorical_energy(kind, &layout, model, device, true);
  if (layout.variant != Variant::Standard && (kind == "constraint" || kind == "learned" || kind == "combined"))
    throw std::invalid_argument("energy '" + kind + "': sudoku --variant " + variant_name(layout.variant) +
                                " has no hand-written energy: use --energy pairwise (learned from solved grids: ebm train sudoku "
                                "--variant " + variant_name(layout.variant) + " --model pairwise)");
  if (kind != "constraint" && kind != "learned" && kind != "combined")
    throw std::invalid_argument("unknown energy '" + kind + "' (constraint, learned, combined, pairwise, attention)");
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

}  // namespace ebm::sudoku
