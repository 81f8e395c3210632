// AR Sudoku baseline: tokenisation, deductive labelling order, type masks, training + checkpoint +
// resume, and the honesty of solve_ar's verdicts.
#include "ebm/checkpoint.h"
#include "tasks/sudoku/ar_solver.h"
#include "tasks/sudoku/ar_tokens.h"
#include "tasks/sudoku/ar_training.h"
#include "tasks/sudoku/board.h"
#include "tasks/sudoku/generator.h"
#include "tasks/sudoku/reference_solver.h"

#include <torch/types.h>

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace ebm::sudoku;

namespace {

GeneratedPuzzle sample_puzzle(Tier tier = Tier::hard, long index = 0) { return generate_one(3, tier, 42, index); }

std::vector<int64_t> answer_part(const std::vector<int64_t>& sequence) {
  return std::vector<int64_t>(sequence.begin() + kArPromptLength, sequence.end());
}

std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("ebm-test-ar-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

double mean(const std::vector<double>& v, size_t from, size_t to) {
  double s = 0;
  for (size_t i = from; i < to; ++i) s += v[i];
  return s / static_cast<double>(to - from);
}

}  // namespace

TEST_SUITE("ar") {

TEST_CASE("fixed order: 163 tokens, prompt layout, decode gives the solution back") {
  const auto g = sample_puzzle();
  const auto seq = encode_ar(g.puzzle, g.solution, ArOrder::fixed);
  REQUIRE(seq.size() == 163u);
  for (int c = 0; c < 81; ++c) CHECK(seq[c] == g.puzzle.cells[c]);
  CHECK(seq[81] == kArSep);
  const Board decoded = decode_ar_answer(g.puzzle, answer_part(seq), ArOrder::fixed);
  CHECK(decoded == g.solution);
  CHECK(is_valid_solution(g.puzzle, decoded));
  // No repair: a short or non-digit answer leaves blanks, which the verifier rejects.
  const Board partial = decode_ar_answer(g.puzzle, {1, 2, 3}, ArOrder::fixed);
  CHECK(partial.cells[80] == 0);
  CHECK_FALSE(is_valid_solution(g.puzzle, partial));
}

TEST_CASE("solver order: 82 + 2*blanks tokens, fills exactly the blanks, decodes to the solution") {
  for (long i = 0; i < 3; ++i) {
    const auto g = sample_puzzle(Tier::expert, i);
    const int blanks = 81 - count_givens(g.puzzle);
    const auto seq = encode_ar(g.puzzle, g.solution, ArOrder::solver);
    REQUIRE(static_cast<int>(seq.size()) == 82 + 2 * blanks);
    CHECK(ar_answer_length(ArOrder::solver, blanks) == 2 * blanks);
    std::set<int> cells;
    for (size_t k = kArPromptLength; k < seq.size(); k += 2) {
      const int cell = static_cast<int>(seq[k] - kArCellBase);
      REQUIRE(cell >= 0);
      REQUIRE(cell < 81);
      CHECK(g.puzzle.cells[cell] == 0);
      CHECK(seq[k + 1] == g.solution.cells[cell]);
      cells.insert(cell);
    }
    CHECK(static_cast<int>(cells.size()) == blanks);
    CHECK(decode_ar_answer(g.puzzle, answer_part(seq), ArOrder::solver) == g.solution);
  }
}

TEST_CASE("solver order decoding never repairs: bad pairs are skipped") {
  const auto g = sample_puzzle();
  int given = 0;
  while (g.puzzle.cells[given] == 0) ++given;
  int blank = 0;
  while (g.puzzle.cells[blank] != 0) ++blank;
  // a pair on a given, a digit where a cell belongs, then one good pair
  const std::vector<int64_t> answer{kArCellBase + given, 1, 5, 5, kArCellBase + blank, g.solution.cells[blank], 7};
  const Board b = decode_ar_answer(g.puzzle, answer, ArOrder::solver);
  CHECK(b.cells[given] == g.puzzle.cells[given]);
  CHECK(b.cells[blank] == g.solution.cells[blank]);
  CHECK(count_givens(b) == count_givens(g.puzzle) + 1);
}

TEST_CASE("deductive order places the naked single first") {
  // Row 5 holds 1,2,3,4,8 and column 5 holds 5,6,7: cell 40 (r5c5) can only be 9, and no cell of
  // lower index is a naked single.
  Board b;
  b.cells[36] = 1;
  b.cells[37] = 2;
  b.cells[38] = 3;
  b.cells[39] = 4;
  b.cells[41] = 8;
  b.cells[4] = 5;
  b.cells[13] = 6;
  b.cells[22] = 7;
  const auto solved = solve(b, 1);
  REQUIRE(solved.solved());
  const auto order = deductive_order(b, solved.first);
  REQUIRE(order.size() == 81u - 8u);
  CHECK(order.front() == 40);
  const auto seq = encode_ar(b, solved.first, ArOrder::solver);
  CHECK(seq[82] == kArCellBase + 40);
  CHECK(seq[83] == 9);
}

TEST_CASE("deductive order rejects a solution that contradicts the puzzle") {
  const auto g = sample_puzzle();
  Board wrong = g.solution;
  int blank = 0;
  while (g.puzzle.cells[blank] != 0) ++blank;
  wrong.cells[blank] = wrong.cells[blank] % 9 + 1;
  CHECK_THROWS_AS(deductive_order(g.puzzle, wrong), std::invalid_argument);
}

TEST_CASE("batch encoding pads with 0 and reports lengths") {
  const auto a = sample_puzzle(Tier::medium, 0), b = sample_puzzle(Tier::hardest, 1);
  const auto batch = encode_ar_batch({a.puzzle, b.puzzle}, {a.solution, b.solution}, ArOrder::solver);
  const int64_t la = 82 + 2 * (81 - count_givens(a.puzzle)), lb = 82 + 2 * (81 - count_givens(b.puzzle));
  REQUIRE(batch.tokens.dim() == 2);
  CHECK(batch.tokens.size(1) == std::max(la, lb));
  CHECK(batch.lengths[0].item<int64_t>() == la);
  CHECK(batch.lengths[1].item<int64_t>() == lb);
  if (la < lb) CHECK(batch.tokens[0].slice(0, la).abs().sum().item<int64_t>() == 0);
  const auto fixed = encode_ar_batch({a.puzzle}, {a.solution}, ArOrder::fixed);
  CHECK(fixed.tokens.size(1) == 163);
}

TEST_CASE("allowed masks restrict token types only") {
  const auto fixed = ar_allowed_mask(ArOrder::fixed, 81);
  REQUIRE(fixed.sizes() == torch::IntArrayRef({81, kArVocab}));
  for (int64_t t = 0; t < kArVocab; ++t)
    CHECK(fixed.select(1, t).all().item<bool>() == (t >= 1 && t <= 9));
  const auto solver = ar_allowed_mask(ArOrder::solver, 6);
  for (int64_t s = 0; s < 6; ++s)
    for (int64_t t = 0; t < kArVocab; ++t) {
      const bool expected = s % 2 == 0 ? (t >= kArCellBase && t < kArVocab) : (t >= 1 && t <= 9);
      CHECK(solver[s][t].item<bool>() == expected);
    }
  CHECK_THROWS_AS(ar_allowed_mask(ArOrder::fixed, 0), std::invalid_argument);
}

TEST_CASE("orders and decode specs parse, and errors name the problem") {
  CHECK(parse_ar_order("solver") == ArOrder::solver);
  CHECK_THROWS_WITH_AS(parse_ar_order("random"), doctest::Contains("random"), std::invalid_argument);
  CHECK(parse_ar_decode("greedy").kind == ArDecodeSpec::Kind::greedy);
  CHECK(parse_ar_decode("sample:0.5").temperature == doctest::Approx(0.5));
  CHECK(parse_ar_decode("beam:4").width == 4);
  const auto best = parse_ar_decode("best-of:8,verifier");
  CHECK(best.kind == ArDecodeSpec::Kind::best_of);
  CHECK(best.samples == 8);
  CHECK(best.verifier);
  CHECK_FALSE(parse_ar_decode("best-of:3").verifier);
  CHECK_THROWS_WITH_AS(parse_ar_decode("beam:0"), doctest::Contains("beam width"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_ar_decode("sample:-1"), doctest::Contains("temperature"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_ar_decode("best-of:2,oracle"), doctest::Contains("oracle"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_ar_decode("nucleus:0.9"), doctest::Contains("unknown decoder"), std::invalid_argument);
  CHECK_THROWS_AS(parse_ar_decode("greedy:1"), std::invalid_argument);
}

TEST_CASE("a tiny model learns, checkpoints, resumes, and solve_ar reports honestly") {
  const std::string dir = temp_dir("train");
  ArTrainSettings s;
  s.order = "fixed";
  s.d_model = 16;
  s.layers = 1;
  s.heads = 2;
  s.steps = 30;
  s.batch = 16;
  s.learning_rate = 3e-3;
  s.train_puzzles = 64;
  s.tiers = "medium,hard";
  s.validate_every = 30;
  s.validation_puzzles = 2;
  s.seed = 3;
  s.output = dir + "/ar.ckpt";
  std::ostringstream log;
  const auto first = train_ar(s, log);
  CHECK(first.steps == 30);
  REQUIRE(first.losses.size() == 30u);
  CHECK(mean(first.losses, 25, 30) < mean(first.losses, 0, 5));
  CHECK(log.str().find("checkpoint written") != std::string::npos);
  CHECK(std::filesystem::exists(s.output + ".optim"));
  auto metadata = ebm::read_checkpoint_metadata(s.output);
  CHECK(metadata.at("kind") == kArCheckpointKind);
  CHECK(metadata.at("architecture").at("order") == "fixed");
  CHECK(metadata.at("training").at("step") == 30);

  s.resume = true;
  s.steps = 40;
  std::ostringstream log2;
  const auto second = train_ar(s, log2);
  CHECK(second.first_step == 30);
  CHECK(second.steps == 40);
  CHECK(second.losses.size() == 10u);
  CHECK(log2.str().find("resumed") != std::string::npos);
  CHECK(ebm::read_checkpoint_metadata(s.output).at("training").at("step") == 40);

  auto model = load_ar_model(s.output, torch::kCPU);
  CHECK(model->order == ArOrder::fixed);
  CHECK(model->net->config().d_model == 16);
  const std::vector<Board> puzzles{sample_puzzle(Tier::hard, 5).puzzle, sample_puzzle(Tier::hard, 6).puzzle};
  for (const std::string decode : {"greedy", "sample:1.0", "beam:2", "best-of:2", "best-of:2,verifier"}) {
    CAPTURE(decode);
    ArSolveSettings settings;
    settings.decode = decode;
    settings.seed = 7;
    const auto solved = solve_ar(*model, puzzles, settings);
    REQUIRE(solved.size() == 2u);
    for (size_t i = 0; i < 2; ++i) {
      CHECK(solved[i].verified == is_valid_solution(puzzles[i], solved[i].answer));
      CHECK(solved[i].log_prob <= 0.0);
      CHECK(solved[i].forward_passes > 0);
      CHECK(solved[i].ms >= 0.0);
    }
    if (decode == "greedy") CHECK(solved[0].forward_passes == 2 * (82 + 81 - 1));
    if (decode == "beam:2") CHECK(solved[0].forward_passes == 82 + 2 * 80);
  }
  // Sampling is reproducible for a seed.
  ArSolveSettings settings;
  settings.decode = "sample:1.0";
  settings.seed = 11;
  CHECK(solve_ar(*model, puzzles, settings)[0].answer == solve_ar(*model, puzzles, settings)[0].answer);

  // A checkpoint of another kind of model is refused.
  s.resume = false;
  s.d_model = 32;
  s.steps = 1;
  std::ostringstream log3;
  CHECK_THROWS_AS([&] {
    ArTrainSettings r = s;
    r.resume = true;
    train_ar(r, log3);
  }(), ebm::CheckpointError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("solver-order training and greedy decoding of variable answer lengths") {
  const std::string dir = temp_dir("solver");
  ArTrainSettings s;
  s.order = "solver";
  s.d_model = 16;
  s.layers = 1;
  s.heads = 2;
  s.steps = 4;
  s.batch = 8;
  s.train_puzzles = 16;
  s.tiers = "medium";
  s.validate_every = 4;
  s.validation_puzzles = 2;
  s.output = dir + "/ar.ckpt";
  std::ostringstream log;
  const auto result = train_ar(s, log);
  CHECK(result.steps == 4);
  CHECK(result.config.max_length == 244);
  auto model = load_ar_model(s.output, torch::kCPU);
  CHECK(model->order == ArOrder::solver);
  const std::vector<Board> puzzles{sample_puzzle(Tier::medium, 1).puzzle, sample_puzzle(Tier::hardest, 2).puzzle};
  ArSolveSettings settings;
  const auto solved = solve_ar(*model, puzzles, settings);
  for (size_t i = 0; i < 2; ++i) {
    const int blanks = 81 - count_givens(puzzles[i]);
    CHECK(solved[i].verified == is_valid_solution(puzzles[i], solved[i].answer));
    CHECK(solved[i].forward_passes == 2 * (82 + 2 * blanks - 1));
    // Only blanks were written (givens unchanged).
    for (int c = 0; c < 81; ++c)
      if (puzzles[i].cells[c] != 0) CHECK(solved[i].answer.cells[c] == puzzles[i].cells[c]);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("matched parameter count") {
  ArTrainSettings s;
  s.target_parameters = 100000;
  const auto config = ar_config_for(s);
  CHECK(config.vocab == kArVocab);
  CHECK(config.max_length == 163);
  CHECK(config.parameter_count() > 50000);
  CHECK(config.parameter_count() < 150000);
}

}  // TEST_SUITE
