// An out-of-tree program that uses ebm through its installed files only (tests/api_consumer.sh builds
// it with `pkg-config ebm` and with Meson's dependency('ebm'), both under -Wall -Wextra -Werror).
// It minimises its own energy, solves a Sudoku through the Task interface with the default energy and
// again with the shipped learned model, and exits non-zero when any answer is wrong.
//
// Usage: consumer [MODEL_PREFIX]   with MODEL_PREFIX given, the shipped model must be found under it
// (the installed model folder comes first).
#include <ebm/ebm.h>

#include <torch/torch.h>

#include <cmath>
#include <iostream>
#include <sstream>
#include <string>

namespace {

// E(x, y) = |W y - x|^2 with W a fixed torch::nn::Linear map: the minimum is y* = W^-1 x, where E = 0.
class LinearMapEnergy : public ebm::Energy {
 public:
  LinearMapEnergy() : ebm::Energy("LinearMapEnergy") {
    map_ = register_module("map", torch::nn::Linear(torch::nn::LinearOptions(2, 2).bias(false)));
    torch::NoGradGuard no_grad;
    map_->weight.copy_(torch::tensor({{2.0f, 1.0f}, {1.0f, 3.0f}}));
  }
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override {
    return (map_->forward(answer) - condition).square().sum(1);
  }

 private:
  torch::nn::Linear map_{nullptr};
};

bool minimise_own_energy() {
  ebm::RunRequest request;
  request.energy = std::make_shared<LinearMapEnergy>();
  request.problems = 1;
  request.condition = torch::tensor({{3.0f, 5.0f}});  // W y = (3, 5) at y* = (0.8, 1.4)
  request.space = ebm::AnswerSpace::real({2});
  const ebm::SamplerSpec spec = ebm::parse_sampler_spec("gd:step=0.05,momentum=0.5,chains=4,steps=3000,tol=1e-10");
  const ebm::RunResult result = ebm::run_sampler(*spec.sampler, request, spec.driver);
  const torch::Tensor y = result.problems.at(0).answer;
  const double y0 = y[0].item<double>(), y1 = y[1].item<double>();
  const bool ok = std::abs(y0 - 0.8) < 1e-3 && std::abs(y1 - 1.4) < 1e-3 && result.problems[0].energy < 1e-6;
  std::cout << "own energy: y = (" << y0 << ", " << y1 << "), expected (0.8, 1.4); " << result.summary.brief_report()
            << (ok ? "" : "  WRONG") << "\n";
  return ok;
}

// Reads "PUZZLE,SOLUTION" through the task's own format, solves it with `energy` ("" = the task's
// default) and checks the exact verifier's word and the known solution.
bool solve_sudoku(const ebm::Task& task, const std::string& csv_line, const std::string& energy) {
  std::istringstream in(csv_line + "\n");
  const std::vector<ebm::Example> examples = task.read(in, "consumer", {});
  if (examples.size() != 1 || !examples[0].solution) {
    std::cout << "sudoku: expected one puzzle with its solution from '" << csv_line << "'\n";
    return false;
  }
  ebm::EbmSettings settings;
  settings.energy.name = energy;
  settings.budget_ms = 20000;
  const ebm::SolveReport report = ebm::solve_with_energy(task, {examples[0].problem}, settings);
  const ebm::SolvedProblem& solved = report.problems.at(0);
  std::ostringstream answer;
  task.write_answer(answer, *examples[0].problem, solved.verified ? solved.answer.get() : nullptr);
  const bool ok = solved.verified && task.same_answer(*solved.answer, *examples[0].solution);
  std::cout << "sudoku (" << report.energy << "): " << answer.str() << "  verified " << (solved.verified ? "yes" : "no")
            << ", known solution " << (ok ? "matched" : "NOT matched") << ", " << solved.steps << " steps\n";
  return ok;
}

// The shipped learned model is found, under `prefix` when one is given.
bool shipped_model_found(const std::string& prefix) {
  const std::string path = ebm::shipped_model_file("sudoku-energy.ckpt");
  const bool ok = !path.empty() && path.compare(0, prefix.size(), prefix) == 0;
  std::cout << "shipped model: '" << path << "'" << (ok ? "" : " is not under '" + prefix + "'") << "\n";
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string model_prefix = argc > 1 ? argv[1] : "";
  const ebm::TaskPtr sudoku = ebm::find_task("sudoku");
  const std::string puzzle_and_solution =
      "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79,"
      "534678912672195348198342567859761423426853791713924856961537284287419635345286179";
  bool ok = minimise_own_energy();
  ok = solve_sudoku(*sudoku, puzzle_and_solution, "") && ok;
  ok = shipped_model_found(model_prefix) && ok;
  // The learned energy (with the constraints: "combined") loads the shipped model found above.
  ok = solve_sudoku(*sudoku, puzzle_and_solution, "combined") && ok;
  std::cout << "ebm " << EBM_VERSION << " consumer: " << (ok ? "all answers right" : "WRONG ANSWERS") << "\n";
  return ok ? 0 : 1;
}
