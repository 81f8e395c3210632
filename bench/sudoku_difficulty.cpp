// DLX search effort of Sudoku puzzles: the difficulty measure of the generator's tiers, printed for
// puzzle files and for freshly generated tiers side by side, so a tier can be compared with a
// published list it was not built from (docs/BENCHMARKS.md, "The extreme tier").
//
//   build/bench/sudoku_difficulty bench/data/published_hardest.txt FILE.csv ...
//   build/bench/sudoku_difficulty --tier extreme --count 100 --seed 1 --split test
//
// Effort = solve(puzzle, 2) of the reference DLX (tasks/sudoku/reference_solver.h): `guesses`
// (branchings) and `nodes` of a full uniqueness search, independent of where the solution lies; and the
// trial-and-error depth (tasks/sudoku/trial_and_error.h): how many puzzles are in T&E(0), T&E(1), T&E(2).
#include "tasks/sudoku/generator.h"
#include "tasks/sudoku/reference_solver.h"
#include "tasks/sudoku/trial_and_error.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace ebm::sudoku;

namespace {

struct Effort {
  std::vector<long> guesses, nodes;
  std::vector<int> givens;
  int not_unique = 0;
  int depth[4] = {0, 0, 0, 0};  // puzzles in T&E(0), (1), (2), beyond
};

template <typename T>
T quantile(std::vector<T> values, double q) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(q * values.size()))];
}

void print(const std::string& name, const Effort& e, double seconds_per_puzzle) {
  if (e.guesses.empty()) {
    std::printf("%-36s no puzzles\n", name.c_str());
    return;
  }
  double mean = 0;
  for (long g : e.guesses) mean += double(g);
  mean /= double(e.guesses.size());
  std::printf("%-36s n %4zu  givens %2d-%2d (median %2d)  guesses mean %6.1f median %4ld p10 %4ld p90 %4ld max %4ld"
              "  nodes median %5ld",
              name.c_str(), e.guesses.size(), quantile(e.givens, 0.0), quantile(e.givens, 1.0), quantile(e.givens, 0.5),
              mean, quantile(e.guesses, 0.5), quantile(e.guesses, 0.1), quantile(e.guesses, 0.9),
              quantile(e.guesses, 1.0), quantile(e.nodes, 0.5));
  std::printf("  T&E(0/1/2/beyond) %d/%d/%d/%d", e.depth[0], e.depth[1], e.depth[2], e.depth[3]);
  if (seconds_per_puzzle > 0) std::printf("  %.2f s/puzzle to generate", seconds_per_puzzle);
  if (e.not_unique) std::printf("  (%d without a unique solution, left out)", e.not_unique);
  std::printf("\n");
}

void add(Effort& e, const Board& puzzle) {
  const ReferenceResult r = reference_solve(puzzle, 2);
  if (r.solutions != 1) {
    ++e.not_unique;
    return;
  }
  e.guesses.push_back(r.guesses);
  e.nodes.push_back(r.nodes);
  e.givens.push_back(count_givens(puzzle));
  // Depth 2 on 16x16 boards can take hours: there only T&E(0) and T&E(1) are told apart.
  const int depth = rate_trial_and_error(puzzle, puzzle.box <= 3 ? 2 : 1).depth;
  ++e.depth[depth < 0 ? 3 : depth];
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::printf("usage: sudoku_difficulty FILE...\n       sudoku_difficulty --tier T --count N [--seed S] [--split test]\n");
    return args.empty() ? 2 : 0;
  }
  try {
    if (args[0] == "--tier") {
      GeneratorOptions options;
      options.split = ebm::Split::Test;
      for (size_t i = 0; i + 1 < args.size(); i += 2) {
        if (args[i] == "--tier") options.tier = parse_tier(args[i + 1]);
        else if (args[i] == "--count") options.count = std::stoi(args[i + 1]);
        else if (args[i] == "--seed") options.seed = std::stoull(args[i + 1]);
        else if (args[i] == "--split") options.split = ebm::parse_split(args[i + 1]);
        else throw std::invalid_argument("unknown option " + args[i]);
      }
      const auto start = std::chrono::steady_clock::now();
      const auto puzzles = generate(options);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      Effort e;
      for (const auto& p : puzzles) add(e, p.puzzle);
      print("generated " + tier_name(options.tier) + " (" + ebm::split_name(options.split) + ")", e,
            puzzles.empty() ? 0.0 : seconds / double(puzzles.size()));
      return 0;
    }
    for (const auto& path : args) {
      std::ifstream in(path);
      if (!in) throw std::invalid_argument(path + ": cannot open");
      Effort e;
      for (const auto& record : read_puzzles(in, path)) add(e, record.puzzle);
      print(path, e, 0.0);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sudoku_difficulty: error: %s\n", error.what());
    return 1;
  }
  return 0;
}
