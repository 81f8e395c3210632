// Known-answer tests of the Sudoku board model, text formats, verifier, DLX reference solver and
// generator.
#include <doctest/doctest.h>

#include "ebm/tasks/sudoku/board.h"
#include "tasks/sudoku/generator.h"
#include "tasks/sudoku/reference_solver.h"

#include <algorithm>
#include <sstream>
#include <string>

using namespace ebm::sudoku;

namespace {

// Arto Inkala's "world's hardest" puzzle and its solution, checked by an independent backtracking
// solver (and below by is_valid_solution and count_solutions).
const std::string kInkala = "8..........36......7..9.2...5...7.......457.....1...3...1....68..85...1..9....4..";
const std::string kInkalaSolution =
    "812753649943682175675491283154237896369845721287169534521974368438526917796318452";

// Blanks written as '0' read back as '.'.
std::string normalised(std::string line) {
  std::replace(line.begin(), line.end(), '0', '.');
  return line;
}

std::string error_of(const std::string& text, const std::string& source = "hard.csv") {
  std::istringstream in(text);
  try {
    read_puzzles(in, source);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_SUITE("sudoku") {

TEST_CASE("parse: 9x9 lines with '.' and '0' blanks round-trip") {
  Board dots = parse_board(kInkala);
  CHECK(dots.box == 3);
  CHECK(dots.size() == 9);
  CHECK(dots.at(0, 0) == 8);
  CHECK(dots.at(1, 2) == 3);
  CHECK(dots.at(8, 7) == 0);
  CHECK(count_givens(dots) == 21);
  CHECK(to_line(dots) == kInkala);

  std::string zeros = kInkala;
  std::replace(zeros.begin(), zeros.end(), '.', '0');
  Board from_zeros = parse_board("  " + zeros + "\r");
  CHECK(from_zeros == dots);
  CHECK(to_line(from_zeros) == kInkala);
}

TEST_CASE("parse: 4x4 and 16x16 lines") {
  const std::string full4 = "1234341223414123";
  const std::string puzzle4 = "1.343.120.0...2.";
  Board b4 = parse_board(puzzle4);
  CHECK(b4.box == 2);
  CHECK(to_line(b4) == normalised(puzzle4));
  CHECK(is_valid_solution(b4, parse_board(full4)));

  const std::string full16 =
      "123456789ABCDEFG56789ABCDEFG12349ABCDEFG12345678DEFG123456789ABC23456789ABCDEFG16789ABCDEFG12345"
      "ABCDEFG123456789EFG123456789ABCD3456789ABCDEFG12789ABCDEFG123456BCDEFG123456789AFG123456789ABCDE"
      "456789ABCDEFG12389ABCDEFG1234567CDEFG123456789ABG123456789ABCDEF";
  const std::string puzzle16 =
      "1.345.780.0...F.00.00ABCDE.G0230.A00.E0G103.06080...12045.7..AB.03450789A.0D.FG1.7.9AB.0EFG12345"
      ".0.DEF00.0400089.F000.4..08.ABC0040.709AB.DE000.789A00DEF01.345.0C0E.0.2305.7.90FG..300678900CDE"
      "056009ABC.0F00.380AB.DEFG..005.70D.FG103056..9AB.120006.890.CDEF";
  Board b16 = parse_board(puzzle16);
  CHECK(b16.box == 4);
  CHECK(b16.at(0, 15) == 0);
  CHECK(b16.at(0, 14) == 15);  // 'F'
  CHECK(to_line(b16) == normalised(puzzle16));
  Board s16 = parse_board(full16);
  CHECK(s16.at(0, 15) == 16);  // 'G'
  CHECK(is_valid_solution(b16, s16));

  std::string lower = full16;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  CHECK(parse_board(lower) == s16);
}

TEST_CASE("read_puzzles: comments, blank lines, CRLF, CSV with header") {
  std::istringstream in(
      "# a comment\r\n"
      "\r\n"
      "quizzes,solutions\r\n"
      "  " + kInkala + " , " + kInkalaSolution + " ,extra\r\n"
      "   \n"
      "  # indented comment\n" +
      normalised(kInkala) + "\n" +
      kInkala + ",\n");
  std::vector<PuzzleRecord> records = read_puzzles(in, "mixed.csv");
  REQUIRE(records.size() == 3);
  CHECK(records[0].line_number == 4);
  CHECK(to_line(records[0].puzzle) == kInkala);
  REQUIRE(records[0].solution.has_value());
  CHECK(to_line(*records[0].solution) == kInkalaSolution);
  CHECK(records[1].line_number == 7);
  CHECK(to_line(records[1].puzzle) == kInkala);
  CHECK_FALSE(records[1].solution.has_value());
  CHECK(records[2].line_number == 8);
  CHECK_FALSE(records[2].solution.has_value());

  std::istringstream header("puzzle,solution\n" + kInkala + "," + kInkalaSolution + "\n");
  CHECK(read_puzzles(header, "h.csv").size() == 1);

  // A solution column that is not a full board is refused, not ignored (eval would skip its check).
  for (const std::string& bad : {std::string("not-a-solution"), kInkalaSolution.substr(0, 80), kInkala}) {
    std::istringstream in_bad(kInkala + "," + bad + "\n");
    CHECK_THROWS_WITH_AS(read_puzzles(in_bad, "bad.csv"), doctest::Contains("bad.csv:1, column 83: the solution is not a full 9x9 board"),
                         ParseError);
  }
}

TEST_CASE("read_puzzles: errors name the line and the problem") {
  const std::string short_line = kInkala.substr(0, 80);
  std::string e = error_of("# header comment\n" + kInkala + "\n" + short_line + "\n");
  CHECK(e == "hard.csv:3: expected 81 cells, got 80");

  e = error_of(short_line + "\n");
  CHECK(e.find("hard.csv:1:") == 0);
  CHECK(e.find("got 80") != std::string::npos);

  std::string bad = kInkala;
  bad[16] = 'x';
  e = error_of(kInkala + "\n\n" + bad + "\n");
  CHECK(e.find("hard.csv:3: invalid character 'x' at column 17") == 0);

  // Column counts from the start of the line, including leading whitespace.
  e = error_of("  " + bad + ",whatever\n");
  CHECK(e.find("hard.csv:1: invalid character 'x' at column 19") == 0);

  // '5' is no digit of a 4x4 board.
  e = error_of("1.343.120.0..52.\n", "small.txt");
  CHECK(e.find("small.txt:1: invalid character '5' at column 14") == 0);

  std::string dup = kInkala;  // row 1: 8 at column 1; put another 8 at column 5
  dup[4] = '8';
  e = error_of("\n\n\n\n\n\n" + dup + "\n");
  CHECK(e == "hard.csv:7: givens break a rule: digit 8 twice in row 1 (columns 1 and 5)");

  std::string dup_col = kInkala;  // column 1: 8 at row 1; another 8 at row 4
  dup_col[27] = '8';
  e = error_of(dup_col);
  CHECK(e == "hard.csv:1: givens break a rule: digit 8 twice in column 1 (rows 1 and 4)");

  std::string dup_box = std::string(81, '.');
  dup_box[0] = '5';
  dup_box[10] = '5';  // r2c2, same box 1, different row and column
  e = error_of(dup_box);
  CHECK(e == "hard.csv:1: givens break a rule: digit 5 twice in box 1 (r1c1 and r2c2)");

  // The first puzzle fixes the size of the file.
  e = error_of(kInkala + "\n1.343.120.0...2.\n");
  CHECK(e == "hard.csv:2: expected 81 cells, got 16");

  CHECK_THROWS_AS(parse_board("12345"), ParseError);
  try {
    parse_board(bad);
    FAIL("no error");
  } catch (const ParseError& err) {
    CHECK(std::string(err.what()).find("invalid character 'x' at column 17") == 0);
  }
}

TEST_CASE("verifier: accepts the known solution, rejects corrupted ones") {
  const Board puzzle = parse_board(kInkala);
  const Board answer = parse_board(kInkalaSolution);
  std::string why;
  CHECK(is_valid_solution(puzzle, answer, &why));
  CHECK(is_valid_solution(Board(3), answer));

  // Two blank (non-given) cells of row 1 swapped: columns break.
  Board swapped = answer;
  std::swap(swapped.cells[1], swapped.cells[2]);
  CHECK_FALSE(is_valid_solution(puzzle, swapped, &why));
  CHECK(why.find("twice in column") != std::string::npos);

  Board changed = answer;
  changed.cells[80] = changed.cells[80] % 9 + 1;
  CHECK_FALSE(is_valid_solution(puzzle, changed, &why));
  CHECK(why.find("twice") != std::string::npos);

  // A valid grid that does not keep the givens: relabel digits 1 <-> 2 everywhere.
  Board relabelled = answer;
  for (int& v : relabelled.cells) v = v == 1 ? 2 : v == 2 ? 1 : v;
  CHECK(is_valid_solution(Board(3), relabelled));
  CHECK(puzzle.cells[24] == 2);  // r3c7 is the first given 1 or 2 in reading order
  CHECK_FALSE(is_valid_solution(puzzle, relabelled, &why));
  CHECK(why == "given changed at row 3, column 7: 2 -> 1");

  Board incomplete = answer;
  incomplete.cells[40] = 0;
  CHECK_FALSE(is_valid_solution(puzzle, incomplete, &why));
  CHECK(why == "answer has 1 blank cell");

  CHECK_FALSE(is_valid_solution(puzzle, Board(2), &why));
  CHECK(givens_consistent(puzzle));
}

TEST_CASE("render: box lines and givens distinguishable from filled cells") {
  const Board puzzle = parse_board(kInkala);
  const Board answer = parse_board(kInkalaSolution);
  std::string plain = render(puzzle, answer, false);
  CHECK(plain.find(" 8+1+2 |+7+5+3 |+6+4+9\n") == 0);
  CHECK(plain.find("-------+-------+------\n") != std::string::npos);
  CHECK(plain.find("+d = filled in") != std::string::npos);
  CHECK(plain.find('\x1b') == std::string::npos);
  std::string colored = render(puzzle, answer, true);
  CHECK(colored.find("\x1b[1m8") != std::string::npos);
  CHECK(colored.find("\x1b[32m1") != std::string::npos);
  Board none(3);
  none.cells.clear();
  CHECK(render(puzzle, none, false).find(" 8 . . | . . . | . . .\n") == 0);
  CHECK_THROWS_AS(render(puzzle, Board(2), false), std::invalid_argument);
}

TEST_CASE("DLX: solves the hard puzzle, counts, contradictions") {
  const Board puzzle = parse_board(kInkala);
  ReferenceResult r = reference_solve(puzzle, 2);
  CHECK(r.solutions == 1);
  CHECK(is_valid_solution(puzzle, r.first));
  CHECK(to_line(r.first) == kInkalaSolution);
  CHECK(r.guesses > 0);
  CHECK(r.nodes >= r.guesses);
  CHECK_FALSE(r.hit_node_limit);

  CHECK(count_solutions(Board(3)) == 2);
  CHECK(count_solutions(Board(3), 5) == 5);
  CHECK(count_solutions(Board(2), 1000) == 288);  // all 4x4 grids
  CHECK(count_solutions(puzzle) == 1);

  // Givens that break no rule directly but leave r1c9 no digit: row 1 holds 1..8, column 9 holds 9.
  Board stuck = parse_board("12345678." + std::string(8, '.') + "9" + std::string(63, '.'));
  CHECK(givens_consistent(stuck));
  CHECK(count_solutions(stuck) == 0);
  ReferenceResult none = reference_solve(stuck);
  CHECK_FALSE(none.solved());
  CHECK(count_givens(none.first) == 0);

  // Givens that break a rule (built directly, not parsed) give 0 solutions, not a crash.
  Board clash(3);
  clash.cells[0] = clash.cells[1] = 4;
  CHECK(count_solutions(clash) == 0);

  // Forbidding the unique solution's digit in one cell leaves nothing.
  ReferenceOptions forbid;
  forbid.forbid_cell = 1;
  forbid.forbid_digit = 1;
  CHECK_FALSE(reference_solve(puzzle, forbid).solved());

  ReferenceOptions limited;
  limited.max_solutions = 2;
  limited.max_nodes = 10;
  ReferenceResult cut = reference_solve(puzzle, limited);
  CHECK(cut.hit_node_limit);
  CHECK(cut.nodes == 10);

  std::mt19937_64 rng(17);
  for (int box = 2; box <= 4; ++box) {
    Board grid = random_grid(box, rng);
    CHECK(is_valid_solution(Board(box), grid));
  }
  std::mt19937_64 a(5), b(5);
  CHECK(random_grid(3, a) == random_grid(3, b));
}

TEST_CASE("DLX effort of published hardest puzzles: the extreme tier's threshold lies below all of them") {
  // bench/data/published_hardest.txt: Arto Inkala's 2010 puzzle, Easter Monster, AI Escargot.
  const std::pair<const char*, long> published[] = {
      {"8..........36......7..9.2...5...7.......457.....1...3...1....68..85...1..9....4..", 160},
      {"1.......2.9.4...5...6...7...5.9.3.......7.......85..4.7.....6...3...9.8...2.....1", 341},
      {"1....7.9..3..2...8..96..5....53..9...1..8...26....4...3......1..4......7..7...3..", 71},
  };
  for (const auto& [line, guesses] : published) {
    const ReferenceResult effort = reference_solve(parse_board(line), 2);
    CHECK(effort.solutions == 1);
    CHECK(effort.guesses == guesses);
    CHECK(effort.guesses >= kExtremeGuesses);
  }
}

TEST_CASE("tiers: names parse and print") {
  for (Tier t : all_tiers()) CHECK(parse_tier(tier_name(t)) == t);
  CHECK(parse_tier("HARDEST") == Tier::Hardest);
  CHECK(tier_names() == "easy|medium|hard|expert|hardest|extreme");
  CHECK_THROWS_AS(parse_tier("impossible"), std::invalid_argument);
  CHECK(describe_tier(Tier::Easy).find("36-40 givens") != std::string::npos);
}

TEST_CASE("generator: deterministic, unique, within the tier's documented ranges") {
  GeneratorOptions o;
  o.count = 6;
  o.tier = Tier::Hard;
  o.seed = 123;
  o.threads = 1;
  std::vector<GeneratedPuzzle> one = generate(o);
  o.threads = 2;
  std::vector<GeneratedPuzzle> two = generate(o);
  REQUIRE(one.size() == 6);
  REQUIRE(two.size() == 6);
  for (int i = 0; i < 6; ++i) {
    CHECK(one[i].puzzle == two[i].puzzle);
    CHECK(one[i].solution == two[i].solution);
  }
  CHECK(generate_one(3, Tier::Hard, 123, 4).puzzle == one[4].puzzle);
  o.seed = 124;
  std::vector<GeneratedPuzzle> other = generate(o);
  CHECK(other[0].puzzle != one[0].puzzle);

  struct Range {
    Tier tier;
    int box, count, min_givens, max_givens, min_guesses;
  };
  const Range ranges[] = {
      {Tier::Easy, 3, 6, 36, 40, 0},    {Tier::Medium, 3, 6, 29, 32, 0}, {Tier::Hard, 3, 6, 17, 81, 0},
      {Tier::Expert, 3, 6, 17, 81, 4},  {Tier::Hardest, 3, 4, 17, 23, 6}, {Tier::Easy, 2, 6, 7, 8, 0},
      {Tier::Hardest, 2, 6, 4, 4, 0},   {Tier::Easy, 4, 1, 116, 126, 0},  {Tier::Extreme, 3, 1, 17, 81, kExtremeGuesses},
  };
  for (const Range& r : ranges) {
    CAPTURE(tier_name(r.tier));
    CAPTURE(r.box);
    GeneratorOptions g;
    g.box = r.box;
    g.count = r.count;
    g.tier = r.tier;
    g.seed = 99;
    for (const GeneratedPuzzle& p : generate(g)) {
      CHECK(p.puzzle.box == r.box);
      CHECK(p.givens == count_givens(p.puzzle));
      CHECK(p.givens >= r.min_givens);
      CHECK(p.givens <= r.max_givens);
      CHECK(p.guesses >= r.min_guesses);
      if (r.tier == Tier::Easy) CHECK(p.guesses == 0);
      ReferenceResult s = reference_solve(p.puzzle, 2);
      CHECK(s.solutions == 1);
      CHECK(s.first == p.solution);
      CHECK(is_valid_solution(p.puzzle, p.solution));
    }
  }

  // Minimal: no given of a hard puzzle can be removed without losing uniqueness.
  GeneratedPuzzle m = generate_one(3, Tier::Hard, 7, 0);
  for (int i = 0; i < m.puzzle.cell_count(); ++i) {
    if (m.puzzle.cells[i] == 0) continue;
    Board fewer = m.puzzle;
    fewer.cells[i] = 0;
    CHECK(count_solutions(fewer) == 2);
  }

  GeneratorOptions bad;
  bad.box = 5;
  std::string error;
  CHECK_FALSE(bad.validate(&error));
  CHECK(error.find("box") != std::string::npos);
  CHECK_THROWS_AS(generate(bad), std::invalid_argument);
}

TEST_CASE("write_csv: header and rows that read back") {
  GeneratorOptions o;
  o.count = 3;
  o.tier = Tier::Easy;
  o.seed = 1;
  std::vector<GeneratedPuzzle> puzzles = generate(o);
  std::ostringstream out;
  write_csv(out, puzzles);
  CHECK(out.str().rfind("puzzle,solution\n", 0) == 0);
  std::istringstream in(out.str());
  std::vector<PuzzleRecord> back = read_puzzles(in, "gen.csv");
  REQUIRE(back.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(back[i].line_number == i + 2);
    CHECK(back[i].puzzle == puzzles[i].puzzle);
    REQUIRE(back[i].solution.has_value());
    CHECK(*back[i].solution == puzzles[i].solution);
  }
}

}  // TEST_SUITE("sudoku")
