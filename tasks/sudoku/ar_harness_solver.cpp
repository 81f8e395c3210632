#include "tasks/sudoku/ar_harness_solver.h"

#include "ebm/learning/ar_transformer.h"
#include "ebm/samplers/task_solver.h"
#include "tasks/sudoku/ar_solver.h"
#include "ebm/tasks/sudoku/solver.h"
#include "tasks/sudoku/task.h"

#include <filesystem>
#include <stdexcept>

namespace ebm::sudoku {

namespace {

class ArHarnessSolver : public Solver {
 public:
  ArHarnessSolver(std::string path, std::shared_ptr<ArModel> model, ArSolveSettings settings)
      : path_(std::move(path)), model_(std::move(model)), settings_(std::move(settings)) {
    const int64_t length = ar_max_length(model_->order, model_->box);
    spec_ = parse_ar_decode(settings_.decode);
    flops_per_position_ = forward_flops(model_->net->config(), length) / double(length);
  }
  std::string name() const override { return "ar:" + settings_.decode; }
  int64_t parameters() const override { return model_->net->parameter_count(); }
  bool uses_verifier() const override { return spec_.verifier; }
  nlohmann::json config() const override {
    nlohmann::json j{{"solver", "ar"},
                     {"model", path_},
                     {"model_hash", file_hash(path_)},
                     {"decode", settings_.decode},
                     {"order", ar_order_name(model_->order)},
                     {"box", model_->box},
                     {"architecture", model_->net->config().to_json()},
                     {"flops_per_position", flops_per_position_}};
    if (spec_.kind == ArDecodeSpec::Kind::until_verified) j["budget_ms"] = settings_.budget_ms;
    return j;
  }
  std::vector<Outcome> solve(const std::vector<ProblemPtr>& batch) override {
    std::vector<Board> boards;
    for (const auto& p : batch) boards.push_back(puzzle_of(*p));
    std::vector<Outcome> outcomes;
    for (const auto& r : solve_ar(*model_, boards, settings_)) {
      Outcome o;
      o.answer = make_answer(r.answer);
      o.claimed = r.verified;
      o.forward_passes = static_cast<double>(r.forward_passes);
      o.flops = o.forward_passes * flops_per_position_;
      o.latency_ms = r.latency_ms;
      outcomes.push_back(std::move(o));
    }
    return outcomes;
  }

 private:
  std::string path_;
  std::shared_ptr<ArModel> model_;
  ArSolveSettings settings_;
  ArDecodeSpec spec_;
  double flops_per_position_ = 0.0;
};

}  // namespace

SolverPtr make_ar_solver(const std::string& spec, const SolverContext& context) {
  ArSolveSettings settings;
  settings.budget_ms = context.budget_ms;
  std::string path;
  const auto [parts, decode] = split_solver_spec(spec.size() > 3 ? spec.substr(3) : "", "decode");
  for (const auto& part : parts) {
    const auto eq = part.find('=');
    const std::string key = eq == std::string::npos ? "" : part.substr(0, eq), value = part.substr(eq + 1);
    if (eq == std::string::npos || key == "model") {
      if (!path.empty()) throw std::invalid_argument("solver '" + spec + "': more than one model");
      path = eq == std::string::npos ? part : value;
    } else if (key == "budget") {
      settings.budget_ms = parse_budget_ms(spec, value);
    } else {
      throw std::invalid_argument("solver '" + spec + "': unknown key '" + key + "' (model, budget, decode)");
    }
  }
  if (path.empty()) {
    const std::string energy_model = shipped_model_path();
    const auto shipped = std::filesystem::path(energy_model).parent_path() / "sudoku-ar.ckpt";
    if (energy_model.empty() || !std::filesystem::exists(shipped))
      throw std::invalid_argument("solver 'ar' needs a checkpoint: ar:MODEL (no shipped models/sudoku-ar.ckpt found)");
    path = shipped.string();
  }
  if (decode.empty() && spec.find("decode=") != std::string::npos)
    throw std::invalid_argument("solver '" + spec + "': decode= needs a value (greedy, sample:T, beam:W, best-of:N, until-verified:N)");
  settings.decode = decode.empty() ? "greedy" : decode;
  parse_ar_decode(settings.decode);  // a bad spec fails here, before any solving
  settings.seed = context.seed;
  settings.batch = context.batch;
  settings.device = context.device;
  return std::make_unique<ArHarnessSolver>(path, load_ar_model(path, context.device), settings);
}

}  // namespace ebm::sudoku
