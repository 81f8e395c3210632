#include "bench/reference_steps/reference_chains.h"

#include "bench/reference_steps/sudoku_reference.h"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace ebm::reference_steps {

namespace {

class SudokuReference : public ReferenceChains {
 public:
  SudokuReference(const std::vector<int>& puzzle, int box, int64_t chains, uint64_t seed)
      : chains_(puzzle, box, chains, seed) {}
  void run(int64_t steps) override { chains_.run(steps); }
  int64_t chains_verified() const override { return chains_.chains_verified(); }
  double mean_energy() const override { return chains_.mean_energy(); }

 private:
  SudokuReferenceChains chains_;
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
    return std::make_unique<SudokuReference>(cells, box, chains, seed);
  }
  throw std::invalid_argument("sudoku reference: no puzzle line in the problem text");
}

}  // namespace

std::unique_ptr<ReferenceChains> make_reference_chains(const std::string& task, const std::string& problem_text,
                                                       int64_t chains, uint64_t seed) {
  if (task == "sudoku") return sudoku_reference(problem_text, chains, seed);
  return nullptr;
}

}  // namespace ebm::reference_steps
