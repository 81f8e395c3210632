#include "tasks/sudoku/ar_harness_solver.h"

#include "ebm/ar_transformer.h"
#include "tasks/sudoku/ar_solver.h"
#include "tasks/sudoku/solver.h"
#include "tasks/sudoku/task.h"

#include <filesystem>
#include <stdexcept>

namespace ebm::sudoku {

namespace {

class ArHarnessSolver : public Solver {
 public:
  ArHarnessSolver(std::string path, std::shared_ptr<ArModel> model, ArSolveSettings settings)
      : path_(std::move(path)), model_(std::move(model)), settings_(std::move(settings)) {
    const int64_t length = ar_max_length(model_->order);
    flops_per_position_ = forward_flops(model_->net->config(), length) / double(length);
  }
  std::string name() const override { return "ar:" + settings_.decode; }
  int64_t parameters() const override { return model_->net->parameter_count(); }
  nlohmann::json config() const override {
    return {{"solver", "ar"},
            {"model", path_},
            {"model_hash", file_hash(path_)},
            {"decode", settings_.decode},
            {"order", ar_order_name(model_->order)},
            {"architecture", model_->net->config().to_json()},
            {"flops_per_position", flops_per_position_}};
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
  double flops_per_position_ = 0.0;
};

}  // namespace

SolverPtr make_ar_solver(const std::string& spec, const SolverContext& context) {
  std::string rest = spec.size() > 3 ? spec.substr(3) : "";
  std::string decode;
  if (const auto at = rest.find("decode="); at != std::string::npos) {
    if (at > 0 && rest[at - 1] != ',') throw std::invalid_argument("solver '" + spec + "': bad decode key");
    decode = rest.substr(at + 7);
    rest = rest.substr(0, at == 0 ? 0 : at - 1);
  }
  if (rest.find('=') != std::string::npos) throw std::invalid_argument("solver '" + spec + "': unknown key in '" + rest + "'");
  std::string path = rest;
  if (path.empty()) {
    const std::string energy_model = shipped_model_path();
    const auto shipped = std::filesystem::path(energy_model).parent_path() / "sudoku-ar.ckpt";
    if (energy_model.empty() || !std::filesystem::exists(shipped))
      throw std::invalid_argument("solver 'ar' needs a checkpoint: ar:MODEL (no shipped models/sudoku-ar.ckpt found)");
    path = shipped.string();
  }
  ArSolveSettings settings;
  settings.decode = decode.empty() ? "greedy" : decode;
  parse_ar_decode(settings.decode);  // a bad spec fails here, before any solving
  settings.seed = context.seed;
  settings.batch = context.batch;
  settings.device = context.device;
  return std::make_unique<ArHarnessSolver>(path, load_ar_model(path, context.device), settings);
}

}  // namespace ebm::sudoku
