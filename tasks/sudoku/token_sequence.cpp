#include "tasks/sudoku/token_sequence.h"

#include "tasks/sudoku/ar_masks.h"
#include "tasks/sudoku/task.h"

#include <stdexcept>

namespace ebm::sudoku {

namespace {

class SudokuTokens : public TokenSequence {
 public:
  SudokuTokens(ArOrder order, int box) : order_(order), box_(box) { require_ar_box(box); }
  nlohmann::json settings() const override { return {{"order", ar_order_name(order_)}, {"box", box_}}; }
  int64_t vocabulary() const override { return ar_vocab(box_); }
  int64_t max_length() const override { return ar_max_length(order_, box_); }
  std::vector<int64_t> prompt(const Problem& problem) const override { return encode_ar_prompt(board(problem)); }
  int64_t answer_length(const Problem& problem) const override {
    const Board& puzzle = board(problem);
    return ar_answer_length(order_, box_, puzzle.cell_count() - count_givens(puzzle));
  }
  std::vector<int64_t> answer(const Problem& problem, const Answer& answer) const override {
    const auto sequence = encode_ar(board(problem), board_of(answer), order_);
    return std::vector<int64_t>(sequence.begin() + ar_prompt_length(box_), sequence.end());
  }
  StepMask decoding_mask(const std::vector<const Problem*>& rows, const torch::Device& device) const override {
    std::vector<Board> puzzles;
    for (const Problem* p : rows) puzzles.push_back(board(*p));
    return ar_step_mask(order_, puzzles, device);
  }
  AnswerPtr answer_from_tokens(const Problem& problem, const std::vector<int64_t>& tokens) const override {
    return make_answer(decode_ar_answer(board(problem), tokens, order_));
  }

 private:
  // The puzzle, refused unless it is a board of this tokenisation's size.
  const Board& board(const Problem& problem) const {
    const Board& puzzle = puzzle_of(problem);
    if (puzzle.box != box_)
      throw std::invalid_argument("sudoku AR: puzzle " + problem.source + " is " + std::to_string(puzzle.size()) + "x" +
                                  std::to_string(puzzle.size()) + ", the model writes " + std::to_string(box_ * box_) +
                                  "x" + std::to_string(box_ * box_) + " boards");
    return puzzle;
  }

  ArOrder order_;
  int box_;
};

}  // namespace

TokenSequencePtr make_token_sequence(ArOrder order, int box) { return std::make_shared<SudokuTokens>(order, box); }

TokenSequencePtr token_sequence_of(const TaskParameters& parameters) {
  const auto order = parameters.find("order");
  const auto box = parameters.find("box");
  int box_size = 3;
  if (box != parameters.end()) {
    if (box->second != "2" && box->second != "3")
      throw std::invalid_argument("box: the AR baseline writes 4x4 and 9x9 boards (2 or 3), got '" + box->second + "'");
    box_size = std::stoi(box->second);
  }
  return make_token_sequence(order == parameters.end() ? ArOrder::Fixed : parse_ar_order(order->second), box_size);
}

}  // namespace ebm::sudoku
