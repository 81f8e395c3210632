// What a pairwise Sudoku energy learned (docs/BENCHMARKS.md, "Rules learned, not written"):
//
//   pairwise_graph CHECKPOINT OUT_DIR
//
// reads a pairwise-energy checkpoint of an N x N Sudoku (V = N^2 cells, K = N digits) and writes
//   OUT_DIR/strength.csv   V x V interaction strengths |C J_uv C|_F (ebm/pairwise_energy.h)
//   OUT_DIR/values.csv     K x K: the centred coupling block averaged over the strong pairs (the
//                          value-value pattern: which digit pairs a strong pair penalises)
//   OUT_DIR/graph.json     the strong pairs' cut (strong_pairs), and their precision and recall
//                          against the pairs of cells that share a row, column or box (810 for 9x9)
// and prints the precision/recall line. The rules enter only here, as the truth to score against.
#include "ebm/atomic_file.h"
#include "ebm/learning/pairwise_training.h"
#include "tasks/sudoku/encoding.h"

#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

std::string csv(const torch::Tensor& matrix) {
  std::ostringstream out;
  auto m = matrix.to(torch::kDouble).contiguous();
  for (int64_t i = 0; i < m.size(0); ++i)
    for (int64_t j = 0; j < m.size(1); ++j) out << m[i][j].item<double>() << (j + 1 < m.size(1) ? "," : "\n");
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: pairwise_graph CHECKPOINT OUT_DIR\n";
    return 2;
  }
  try {
    auto energy = ebm::load_pairwise_energy(argv[1], torch::kCPU);
    const auto shape = energy->shape();
    const int64_t side = shape.categories;
    const int box = static_cast<int>(std::lround(std::sqrt(double(side))));
    if (shape.variables != side * side || box * box != side)
      throw std::invalid_argument("not a Sudoku energy: V must be K^2 and K a square");
    const std::string dir = argv[2];
    auto strength = energy->interaction_strength();
    const auto graph = ebm::strong_pairs(strength);
    const auto recovery = ebm::pair_recovery(graph.strong, ebm::sudoku::peer_pairs(box));
    auto centre = torch::eye(side) - 1.0 / double(side);
    auto blocks = energy->couplings().reshape({shape.variables, side, shape.variables, side}).permute({0, 2, 1, 3});
    auto pattern = centre.matmul(blocks.index({graph.strong})).matmul(centre).mean(0);
    ebm::write_file_atomically(dir + "/strength.csv", csv(strength));
    ebm::write_file_atomically(dir + "/values.csv", csv(pattern));
    nlohmann::json j = {{"checkpoint", argv[1]},         {"strong_pairs", graph.pairs},
                        {"threshold", graph.threshold},  {"gap_ratio", graph.gap_ratio},
                        {"unit_pairs", recovery.truth},  {"correct", recovery.correct},
                        {"precision", recovery.precision}, {"recall", recovery.recall}};
    ebm::write_file_atomically(dir + "/graph.json", j.dump(2) + "\n");
    std::cout << "strong pairs " << graph.pairs << " (cut at strength " << graph.threshold << ", gap x"
              << graph.gap_ratio << "); against the " << recovery.truth << " unit pairs: precision "
              << recovery.precision << ", recall " << recovery.recall << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "pairwise_graph: error: " << e.what() << "\n";
    return 2;
  }
}
