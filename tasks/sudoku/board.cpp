#include "ebm/tasks/sudoku/board.h"

#include <algorithm>
#include <cctype>
#include <istream>
#include <sstream>

namespace ebm::sudoku {

namespace {

void require_well_formed(const Board& b, const char* what) {
  if (!b.well_formed()) throw std::invalid_argument(std::string(what) + ": board is malformed");
}

std::string trim(const std::string& s, size_t* offset = nullptr) {
  size_t begin = 0, end = s.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(s[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(s[end - 1]))) --end;
  if (offset) *offset = begin;
  return s.substr(begin, end - begin);
}

std::string show_char(char ch) {
  unsigned char u = static_cast<unsigned char>(ch);
  if (std::isprint(u)) return std::string("'") + ch + "'";
  static const char* hex = "0123456789abcdef";
  return std::string("'\\x") + hex[u >> 4] + hex[u & 15] + "'";
}

std::string digit_range(int box) {
  int n = box * box;
  if (n <= 9) return "1-" + std::to_string(n);
  return "1-9, A-" + std::string(1, digit_char(n));
}

// Parses the cells of one field. `column` is the 1-based text column of text[0] in its line.
// Returns an error message, or "" on success.
std::string parse_cells(const std::string& text, int box, size_t column, const Layout* layout, Board* out) {
  int b = box;
  if (b == 0) {
    b = box_for_length(text.size());
    if (b == 0) return "expected 16, 81 or 256 cells (4x4, 9x9 or 16x16), got " + std::to_string(text.size());
  }
  Board board(b);
  if (text.size() != static_cast<size_t>(board.cell_count()))
    return "expected " + std::to_string(board.cell_count()) + " cells, got " + std::to_string(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    int v = char_value(text[i], b);
    if (v < 0) {
      return "invalid character " + show_char(text[i]) + " at column " + std::to_string(column + i) + " (" +
             std::to_string(board.size()) + "x" + std::to_string(board.size()) + " digits are " +
             digit_range(b) + ", blanks '.' or '0')";
    }
    board.cells[i] = v;
  }
  std::string why;
  const bool consistent = layout ? givens_consistent(board, *layout, &why) : givens_consistent(board, &why);
  if (!consistent) return "givens break a rule: " + why;
  *out = std::move(board);
  return "";
}

bool looks_like_header(const std::string& field) {
  bool letter = false;
  for (char ch : field) {
    unsigned char u = static_cast<unsigned char>(ch);
    if (std::isdigit(u) || ch == '.') return false;
    if (std::isalpha(u)) letter = true;
  }
  return letter;
}

bool looks_like_full_board(const std::string& field, int box) {
  if (field.size() != static_cast<size_t>(box * box * box * box)) return false;
  return std::all_of(field.begin(), field.end(), [box](char ch) { return char_value(ch, box) > 0; });
}

std::vector<std::string> split_fields(const std::string& line, std::vector<size_t>* columns) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    std::string raw = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t offset = 0;
    fields.push_back(trim(raw, &offset));
    columns->push_back(start + offset + 1);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return fields;
}

// "r2c5" for a cell index of a board of side n.
std::string cell_name(int cell, int n) {
  return "r" + std::to_string(cell / n + 1) + "c" + std::to_string(cell % n + 1);
}

std::string unit_name(UnitKind kind) {
  switch (kind) {
    case UnitKind::Row: return "row";
    case UnitKind::Column: return "column";
    case UnitKind::Box: return "box";
    case UnitKind::Diagonal: return "diagonal";
    case UnitKind::Region: return "region";
  }
  return "unit";
}

// Where two cells of `unit` are: "row 2 (columns 3 and 8)", "column 4 (rows 1 and 6)",
// "box 7 (r7c1 and r9c3)", "diagonal 1 (r1c1 and r5c5)".
std::string describe_pair(const Unit& unit, int k1, int k2, int n) {
  std::string where = unit_name(unit.kind) + " " + std::to_string(unit.number) + " (";
  if (unit.kind == UnitKind::Row) return where + "columns " + std::to_string(k1 + 1) + " and " + std::to_string(k2 + 1) + ")";
  if (unit.kind == UnitKind::Column) return where + "rows " + std::to_string(k1 + 1) + " and " + std::to_string(k2 + 1) + ")";
  return where + cell_name(unit.cells[k1], n) + " and " + cell_name(unit.cells[k2], n) + ")";
}

// First rule broken among non-blank cells of any unit of `layout` (in unit order), or "".
std::string first_broken_rule(const Board& b, const Layout& layout) {
  const int n = b.size();
  std::vector<int> seen(n + 1);
  for (const Unit& unit : layout.units) {
    std::fill(seen.begin(), seen.end(), -1);
    for (int k = 0; k < static_cast<int>(unit.cells.size()); ++k) {
      const int d = b.cells[unit.cells[k]];
      if (d == 0) continue;
      if (seen[d] >= 0) return "digit " + std::to_string(d) + " twice in " + describe_pair(unit, seen[d], k, n);
      seen[d] = k;
    }
  }
  return "";
}

std::string size_mismatch(const Board& b, const Layout& layout) {
  if (b.box == layout.box) return "";
  return "board is " + std::to_string(b.size()) + "x" + std::to_string(b.size()) + ", the layout " +
         std::to_string(layout.size()) + "x" + std::to_string(layout.size());
}

bool fail(std::string* why, std::string message) {
  if (why) *why = std::move(message);
  return false;
}

}  // namespace

Board::Board(int box_size) : box(box_size) {
  if (box < 2 || box > 4) throw std::invalid_argument("sudoku box size must be 2, 3 or 4, got " + std::to_string(box));
  cells.assign(cell_count(), 0);
}

bool Board::complete() const {
  return std::find(cells.begin(), cells.end(), 0) == cells.end();
}

bool Board::well_formed() const {
  if (box < 2 || box > 4 || cells.size() != static_cast<size_t>(cell_count())) return false;
  return std::all_of(cells.begin(), cells.end(), [this](int v) { return v >= 0 && v <= size(); });
}

char digit_char(int d) {
  if (d == 0) return '.';
  if (d >= 1 && d <= 9) return static_cast<char>('0' + d);
  if (d >= 10 && d <= 16) return static_cast<char>('A' + d - 10);
  throw std::invalid_argument("sudoku digit out of range: " + std::to_string(d));
}

int char_value(char ch, int box) {
  int v = -1;
  if (ch == '.' || ch == '0') return 0;
  if (ch >= '1' && ch <= '9') v = ch - '0';
  else if (ch >= 'A' && ch <= 'G') v = ch - 'A' + 10;
  else if (ch >= 'a' && ch <= 'g') v = ch - 'a' + 10;
  return (v >= 1 && v <= box * box) ? v : -1;
}

int box_for_length(size_t cells) {
  switch (cells) {
    case 16: return 2;
    case 81: return 3;
    case 256: return 4;
    default: return 0;
  }
}

std::string to_line(const Board& b) {
  require_well_formed(b, "to_line");
  std::string line(b.cells.size(), '.');
  for (size_t i = 0; i < b.cells.size(); ++i) line[i] = digit_char(b.cells[i]);
  return line;
}

namespace {

Board parse_one(const std::string& text, int box, const Layout* layout) {
  size_t offset = 0;
  std::string field = trim(text, &offset);
  Board board;
  std::string error = parse_cells(field, box, offset + 1, layout, &board);
  if (!error.empty()) throw ParseError(error);
  return board;
}

std::vector<PuzzleRecord> read_all(std::istream& in, const std::string& source_name, int box, const Layout* layout);

}  // namespace

Board parse_board(const std::string& text, int box) {
  if (box != 0 && (box < 2 || box > 4)) throw std::invalid_argument("parse_board: box must be 0, 2, 3 or 4");
  return parse_one(text, box, nullptr);
}

Board parse_board(const std::string& text, const Layout& layout) { return parse_one(text, layout.box, &layout); }

std::vector<PuzzleRecord> read_puzzles(std::istream& in, const std::string& source_name, int box) {
  if (box != 0 && (box < 2 || box > 4)) throw std::invalid_argument("read_puzzles: box must be 0, 2, 3 or 4");
  return read_all(in, source_name, box, nullptr);
}

std::vector<PuzzleRecord> read_puzzles(std::istream& in, const std::string& source_name, const Layout& layout) {
  return read_all(in, source_name, layout.box, &layout);
}

namespace {

std::vector<PuzzleRecord> read_all(std::istream& in, const std::string& source_name, int box, const Layout* layout) {
  std::vector<PuzzleRecord> records;
  std::string line;
  int line_number = 0;
  bool first_content = true;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string content = trim(line);
    if (content.empty() || content[0] == '#') continue;

    std::vector<size_t> columns;
    std::vector<std::string> fields = split_fields(line, &columns);
    bool was_first = first_content;
    first_content = false;
    if (was_first && looks_like_header(fields[0])) continue;

    PuzzleRecord record;
    record.line_number = line_number;
    const std::string place = source_name.empty() ? "line " + std::to_string(line_number)
                                                  : source_name + ":" + std::to_string(line_number);
    std::string error = parse_cells(fields[0], box, columns[0], layout, &record.puzzle);
    if (!error.empty()) throw ParseError(place + ": " + error);
    box = record.puzzle.box;
    // Columns after the second are ignored (datasets carry ratings, sources). An empty solution field is "no solution given" (write_problems writes one); anything else must be a full board.
    if (fields.size() >= 2 && !fields[1].empty() && !looks_like_full_board(fields[1], box))
      throw ParseError(place + ", column " + std::to_string(columns[1]) + ": the solution is not a full " +
                       std::to_string(box * box) + "x" + std::to_string(box * box) + " board of digits");
    if (fields.size() >= 2 && !fields[1].empty()) {
      Board solution(box);
      for (size_t i = 0; i < fields[1].size(); ++i) solution.cells[i] = char_value(fields[1][i], box);
      record.solution = std::move(solution);
    }
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

int count_givens(const Board& b) {
  return static_cast<int>(std::count_if(b.cells.begin(), b.cells.end(), [](int v) { return v != 0; }));
}

bool givens_consistent(const Board& b, std::string* why) {
  if (!b.well_formed()) return fail(why, "board is malformed");
  return givens_consistent(b, shared_standard_layout(b.box), why);
}

bool givens_consistent(const Board& b, const Layout& layout, std::string* why) {
  if (!b.well_formed()) return fail(why, "board is malformed");
  const std::string mismatch = size_mismatch(b, layout);
  if (!mismatch.empty()) return fail(why, mismatch);
  std::string broken = first_broken_rule(b, layout);
  if (!broken.empty()) return fail(why, broken);
  return true;
}

bool is_valid_solution(const Board& puzzle, const Board& answer, std::string* why) {
  if (!puzzle.well_formed()) return fail(why, "puzzle is malformed");
  return is_valid_solution(puzzle, answer, shared_standard_layout(puzzle.box), why);
}

bool is_valid_solution(const Board& puzzle, const Board& answer, const Layout& layout, std::string* why) {
  if (!puzzle.well_formed()) return fail(why, "puzzle is malformed");
  if (!answer.well_formed()) return fail(why, "answer is malformed");
  if (answer.box != puzzle.box) {
    return fail(why, "answer is " + std::to_string(answer.size()) + "x" + std::to_string(answer.size()) +
                         ", puzzle is " + std::to_string(puzzle.size()) + "x" + std::to_string(puzzle.size()));
  }
  const int n = puzzle.size();
  int blanks = puzzle.cell_count() - count_givens(answer);
  if (blanks > 0) return fail(why, "answer has " + std::to_string(blanks) + " blank cell" + (blanks > 1 ? "s" : ""));
  for (int i = 0; i < puzzle.cell_count(); ++i) {
    if (puzzle.cells[i] != 0 && puzzle.cells[i] != answer.cells[i]) {
      return fail(why, "given changed at row " + std::to_string(i / n + 1) + ", column " + std::to_string(i % n + 1) +
                           ": " + std::to_string(puzzle.cells[i]) + " -> " + std::to_string(answer.cells[i]));
    }
  }
  const std::string mismatch = size_mismatch(puzzle, layout);
  if (!mismatch.empty()) return fail(why, mismatch);
  // A complete unit of N distinct digits from 1..N is a permutation.
  std::string broken = first_broken_rule(answer, layout);
  if (!broken.empty()) return fail(why, broken);
  return true;
}

std::string render(const Board& puzzle, const Board& filled, bool color) {
  require_well_formed(puzzle, "render");
  const bool has_fill = !filled.cells.empty();
  if (has_fill) {
    require_well_formed(filled, "render");
    if (filled.box != puzzle.box) throw std::invalid_argument("render: puzzle and filled board differ in size");
  }
  const int n = puzzle.size(), box = puzzle.box;
  const char* bold = "\x1b[1m";
  const char* green = "\x1b[32m";
  const char* red = "\x1b[31m";
  const char* dim = "\x1b[2m";
  const char* reset = "\x1b[0m";

  std::string separator;
  for (int g = 0; g < box; ++g) {
    if (g > 0) separator += "-+";
    separator += std::string(2 * box, '-');
  }

  std::ostringstream out;
  int filled_in = 0, contradicted = 0;
  for (int r = 0; r < n; ++r) {
    if (r > 0 && r % box == 0) out << separator << '\n';
    for (int c = 0; c < n; ++c) {
      if (c > 0 && c % box == 0) out << " |";
      int given = puzzle.at(r, c);
      int value = has_fill ? filled.at(r, c) : 0;
      char mark = ' ';
      const char* style = nullptr;
      char symbol = '.';
      if (given != 0) {
        symbol = digit_char(given);
        style = bold;
        if (value != 0 && value != given) {
          mark = '!';
          style = red;
          ++contradicted;
        }
      } else if (value != 0) {
        symbol = digit_char(value);
        mark = '+';
        style = green;
        ++filled_in;
      } else {
        style = dim;
      }
      if (color) {
        out << ' ' << style << symbol << reset;
      } else {
        out << mark << symbol;
      }
    }
    out << '\n';
  }
  if (!color && (filled_in > 0 || contradicted > 0)) {
    out << "(plain = given, +d = filled in";
    if (contradicted > 0) out << ", !d = given contradicted by the answer";
    out << ")\n";
  }
  return out.str();
}

}  // namespace ebm::sudoku
