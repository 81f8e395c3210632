// Embedding ebm as a reasoning backend: one custom energy minimised by a sampler chosen by text, then
// a Sudoku and a graph colouring solved through the generic Task interface (any registered task works
// the same way). Built as build/examples/embedding.
// The public API is one include (docs/API.md); what it does not reach is internal.
#include <ebm/ebm.h>

#include <torch/torch.h>

#include <iostream>
#include <sstream>

// Your own energy: how wrong an answer y is for condition x. Here: y should solve A y = b.
struct LinearSystemEnergy : ebm::Energy {
  torch::Tensor a = torch::tensor({{3.0f, 1.0f}, {1.0f, 2.0f}});
  torch::Tensor forward(const torch::Tensor& b, const torch::Tensor& y) override {
    return (y.matmul(a.t()) - b).square().sum(1);  // [B]; gradient by autograd
  }
};

int main() {
  // 1. Minimise a custom energy for two conditions (right-hand sides) at once.
  ebm::RunRequest request;
  request.energy = std::make_shared<LinearSystemEnergy>();
  request.problems = 2;
  request.condition = torch::tensor({{5.0f, 5.0f}, {4.0f, 3.0f}});
  request.space = ebm::AnswerSpace::real({2});
  ebm::SamplerSpec spec = ebm::parse_sampler_spec("gd:step=0.05,momentum=0.5,chains=4,steps=2000,tol=1e-10");
  ebm::RunResult result = ebm::run_sampler(*spec.sampler, request, spec.driver);
  std::cout << result.summary.brief_report() << "\n";
  for (const auto& p : result.problems) std::cout << "  y = " << p.answer[0].item<float>() << ", " << p.answer[1].item<float>() << "\n";

  // 2. Solve a Sudoku with the default EBM settings; `verified` is the exact verifier's word.
  ebm::TaskPtr sudoku = ebm::find_task("sudoku");
  std::istringstream line("..83...9..94...3..5....9......5.3.......2...63..7.1.2.......5.......69.1657......");
  auto puzzle = sudoku->read(line, "puzzle", {}).front().problem;
  auto report = ebm::solve_with_energy(*sudoku, {puzzle}, ebm::EbmSettings{});
  const auto& solved = report.problems.front();
  sudoku->write_answer(std::cout, *puzzle, solved.verified ? solved.answer.get() : nullptr);
  std::cout << "verified " << (solved.verified ? "yes" : "no") << " in " << solved.ms << " ms\n";

  // 3. Any registered task by name: read its standard format, minimise, verify, write its answer.
  ebm::TaskPtr task = ebm::find_task("coloring");
  std::istringstream graph("p edge 5 5\ne 1 2\ne 2 3\ne 3 4\ne 4 5\ne 5 1\n");  // a 5-cycle
  auto examples = task->read(graph, "c5.col", {{"colors", "3"}});
  auto colored = ebm::solve_with_energy(*task, {examples[0].problem}, ebm::EbmSettings{});
  const bool ok = colored.problems[0].verified;  // the exact verifier's word
  task->write_answer(std::cout, *examples[0].problem, ok ? colored.problems[0].answer.get() : nullptr);
  return solved.verified && ok ? 0 : 1;
}
