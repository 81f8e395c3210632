#include "bench/reference_steps/reference_chains.h"

#include "bench/reference_steps/coloring_reference.h"
#include "bench/reference_steps/sat_reference.h"
#include "bench/reference_steps/sudoku_reference.h"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

namespace ebm::reference_steps {

namespace {

// Any of the three chain classes behind the interface.
template <class Chains>
class Reference : public ReferenceChains {
 public:
  template <class... Args>
  explicit Reference(Args&&... args) : chains_(std::forward<Args>(args)...) {}
  void run(int64_t steps) override { chains_.run(steps); }
  int64_t chains_verified() const override { return chains_.chains_verified(); }
  double mean_energy() const override { return chains_.mean_energy(); }

 private:
  Chains chains_;
};

// The first puzzle line of Sudoku's file text: 16, 81 or 256 cells, '.'/'0' blank, '1'-'9', 'A'-'G'.
std::unique_ptr<ReferenceChains> sudoku_reference(const std::string& text, int64_t chains, uint64_t seed) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# variant:", 0) == 0 || line.rfind("# layout:", 0) == 0) return nullptr;  // standard units only
    if (line.empty() || line[0] == '#' || line.rfind("puzzle", 0) == 0) continue;
    line = line.substr(0, line.find(','));
    std::vector<int> cells;
    for (char ch : line) {
      if (ch == '.' || ch == '0') cells.push_back(0);
      else if (ch >= '1' && ch <= '9') cells.push_back(ch - '0');
      else if (ch >= 'A' && ch <= 'G') cells.push_back(ch - 'A' + 10);
      else throw std::invalid_argument(std::string("sudoku reference: unexpected character '") + ch + "'");
    }
    const int box = static_cast<int>(std::lround(std::sqrt(std::sqrt(double(cells.size())))));
    return std::make_unique<Reference<SudokuReferenceChains>>(cells, box, chains, seed);
  }
  throw std::invalid_argument("sudoku reference: no puzzle line in the problem text");
}

// DIMACS CNF: "p cnf V C", clauses of literals ending in 0; 'c' lines are comments.
std::unique_ptr<ReferenceChains> sat_reference(const std::string& text, int64_t chains, uint64_t seed) {
  std::istringstream lines(text);
  int variables = 0;
  std::vector<std::vector<int>> clauses(1);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == 'c' || line[0] == '%') continue;
    std::istringstream words(line);
    if (line[0] == 'p') {
      std::string p, cnf;
      words >> p >> cnf >> variables;
      continue;
    }
    for (int literal; words >> literal;) {
      if (literal == 0) clauses.emplace_back();
      else clauses.back().push_back(literal);
    }
  }
  if (clauses.back().empty()) clauses.pop_back();
  return std::make_unique<Reference<SatReferenceChains>>(variables, clauses, chains, seed);
}

// DIMACS graph: "p edge V E", "e u v" (1-based); the colours asked from "c ... K colours asked" (else 3).
std::unique_ptr<ReferenceChains> coloring_reference(const std::string& text, int64_t chains, uint64_t seed) {
  std::istringstream lines(text);
  int vertices = 0, colors = 3;
  std::vector<std::pair<int, int>> edges;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string kind;
    words >> kind;
    if (kind == "c" && line.find("colours asked") != std::string::npos) {
      const auto comma = line.find(',');
      if (comma != std::string::npos) colors = std::stoi(line.substr(comma + 1));
    } else if (kind == "p") {
      std::string edge;
      words >> edge >> vertices;
    } else if (kind == "e") {
      int u = 0, v = 0;
      words >> u >> v;
      edges.emplace_back(u - 1, v - 1);
    }
  }
  return std::make_unique<Reference<ColoringReferenceChains>>(vertices, colors, edges, chains, seed);
}

}  // namespace

std::unique_ptr<ReferenceChains> make_reference_chains(const std::string& task, const std::string& problem_text,
                                                       int64_t chains, uint64_t seed) {
  if (task == "sudoku") return sudoku_reference(problem_text, chains, seed);
  if (task == "sat") return sat_reference(problem_text, chains, seed);
  if (task == "coloring") return coloring_reference(problem_text, chains, seed);
  return nullptr;
}

}  // namespace ebm::reference_steps
