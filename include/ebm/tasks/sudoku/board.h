// Sudoku boards: the model, the text format, the rules and the exact verifier. Plain C++17.
//
// A board has box size n in {2, 3, 4} and side N = n*n (4x4, 9x9, 16x16). Cells are stored row-major,
// N*N of them; 0 is a blank, 1..N a digit. Row r, column c (both 0-based) is cells[r*N + c]; the box of
// that cell is (r/n)*n + c/n.
//
// Text format: one puzzle per line, N*N characters, row-major.
//   digits  '1'..'9' for 1..9, and for 16x16 also 'A'..'G' for 10..16 (lower case accepted on input)
//   blanks  '.' or '0' (written as '.')
// Every message that talks to a person numbers rows, columns, boxes and text columns from 1.
//
// The rules are those of a unit layout (layout.h): the functions without a Layout use the standard
// one (rows, columns, boxes); the variants (Sudoku-X, jigsaw) pass theirs.
#pragma once

#include "ebm/tasks/sudoku/layout.h"

#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ebm::sudoku {

struct Board {
  int box = 3;             // n; the board is N x N with N = box*box
  std::vector<int> cells;  // N*N entries, row-major; 0 = blank, 1..N = digit

  // A blank board with box size `box`. Throws std::invalid_argument unless box is 2, 3 or 4.
  explicit Board(int box);
  Board() : Board(3) {}  // a blank 9x9 board

  int size() const { return box * box; }                  // N, the side (and the number of digits)
  int cell_count() const { return size() * size(); }      // N*N
  int at(int row, int col) const { return cells[row * size() + col]; }
  int& at(int row, int col) { return cells[row * size() + col]; }
  int box_of(int row, int col) const { return (row / box) * box + col / box; }
  bool complete() const;     // no blank cell
  bool well_formed() const;  // box in {2,3,4}, N*N cells, every value in 0..N

  friend bool operator==(const Board& a, const Board& b) { return a.box == b.box && a.cells == b.cells; }
  friend bool operator!=(const Board& a, const Board& b) { return !(a == b); }
};

// Bad puzzle text. The message names the place ("hard.csv:12: ") when the text came from a file.
class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Character for digit d (1..16) in the text format; '.' for 0. Throws std::invalid_argument otherwise.
char digit_char(int d);

// Value of one character of a board of box size `box`: 0 for '.'/'0', 1..N for a digit, -1 when the
// character is not allowed on such a board (e.g. '5' on 4x4, 'H' on 16x16).
int char_value(char ch, int box);

// Box size for a line of `cells` characters: 16 -> 2, 81 -> 3, 256 -> 4, anything else -> 0.
int box_for_length(size_t cells);

// The one-line form: N*N characters, blanks as '.'. Throws std::invalid_argument if !b.well_formed().
std::string to_line(const Board& b);

// One puzzle from a string (say, a command-line argument). Surrounding whitespace and a trailing CR
// are ignored. box = 0 infers the size from the length (16, 81 or 256 characters). Throws ParseError,
// without a place prefix, for a wrong length ("expected 81 cells, got 80"), a bad character
// ("invalid character 'x' at column 17") or givens that break a rule
// ("givens break a rule: digit 5 twice in row 2 (columns 3 and 8)").
Board parse_board(const std::string& text, int box = 0);
// The same on `layout`'s board size and rules (givens checked against its units).
Board parse_board(const std::string& text, const Layout& layout);

struct PuzzleRecord {
  Board puzzle;
  std::optional<Board> solution;  // the CSV's second field when it is a complete board of the same
                                  // size; NOT checked against the puzzle (use is_valid_solution)
  int line_number = 0;            // 1-based line of the input it came from
};

// All puzzles of a text or CSV stream, in order.
//   - blank lines and lines whose first non-space character is '#' are skipped; CRLF is accepted;
//   - a line is split at ','; fields are trimmed; the first field is the puzzle, the second the
//     solution when it looks like a complete board of the same size (otherwise it is ignored), any
//     further fields are ignored;
//   - the first non-comment line is a header and skipped when its first field is a word (it has a
//     letter and no digit or '.'), e.g. "puzzle,solution" or "quizzes,solutions";
//   - box = 0 infers the size from the first puzzle; every later puzzle must have the same size.
// Throws ParseError "SOURCE:LINE: problem" (as parse_board, plus the place) at the first bad line.
std::vector<PuzzleRecord> read_puzzles(std::istream& in, const std::string& source_name, int box = 0);
// The same on `layout`'s board size and rules.
std::vector<PuzzleRecord> read_puzzles(std::istream& in, const std::string& source_name, const Layout& layout);

// Number of non-blank cells.
int count_givens(const Board& b);

// How hard the puzzle is for the classical DLX reference (the generator's measure of its tiers): the
// guesses (branching decisions) of a full uniqueness search. A measure only, never an EBM answer.
long reference_guesses(const Board& puzzle);

// True when no digit appears twice among the givens of any row, column or box. Otherwise false, and
// *why (if non-null) says where: "digit 5 twice in row 2 (columns 3 and 8)", "... in column 4 (rows 1
// and 6)", "... in box 7 (r7c1 and r9c3)". Also false ("board is malformed") if !b.well_formed().
bool givens_consistent(const Board& b, std::string* why = nullptr);
// The same over the units of `layout` ("... in diagonal 1 (r1c1 and r5c5)", "... in region 3 (...)");
// false ("board is 4x4, the layout 9x9") when their sizes differ.
bool givens_consistent(const Board& b, const Layout& layout, std::string* why = nullptr);

// The exact verifier: true iff `answer` has the puzzle's size, has no blank, keeps every given of
// `puzzle`, and every row, column and box holds each digit 1..N exactly once. Otherwise false, and
// *why (if non-null) names the first problem found ("given changed at row 1, column 3: 5 -> 6").
bool is_valid_solution(const Board& puzzle, const Board& answer, std::string* why = nullptr);
// The same, every unit of `layout` holding each digit once (standard_layout(puzzle.box) above).
bool is_valid_solution(const Board& puzzle, const Board& answer, const Layout& layout, std::string* why = nullptr);

// A multi-line drawing of `puzzle` filled in by `filled` (same box size, or filled.cells empty for the
// puzzle alone), with lines between boxes. Givens and filled-in cells stay distinguishable:
//   color = true:  givens bold, filled-in cells green, a filled value that contradicts a given red
//                  (ANSI escapes);
//   color = false: filled-in cells are prefixed by '+', a contradicted given by '!', and a legend line
//                  follows the grid whenever a cell was filled in.
// Blank cells (blank in both) are drawn as '.'. Throws std::invalid_argument on mismatched sizes.
std::string render(const Board& puzzle, const Board& filled, bool color);

}  // namespace ebm::sudoku
