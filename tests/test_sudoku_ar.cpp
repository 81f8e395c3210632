// The AR baseline on Sudoku's tokens: tokenisation, deductive labelling order, type masks, training
// + checkpoint + resume through the one AR recipe, and the honesty of solve_ar's verdicts.
#include "ebm/checkpoint.h"
#include "ebm/energy.h"
#include "ebm/model_files.h"
#include "ebm/learning/ar_baseline.h"
#include "ebm/solver.h"
#include "ebm/tasks/registry.h"
#include "ebm/tasks/sudoku/board.h"
#include "tasks/sudoku/ar_masks.h"
#include "tasks/sudoku/ar_tokens.h"
#include "tasks/sudoku/generator.h"
#include "tasks/sudoku/reference_solver.h"
#include "tasks/sudoku/task.h"
#include "tasks/sudoku/token_sequence.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace ebm::sudoku;
using ebm::ArModel;
using ebm::ArSolved;
using ebm::ArSolveSettings;
using ebm::ArDecodeSpec;
using ebm::parse_ar_decode;

namespace {

GeneratedPuzzle sample_puzzle(Tier tier = Tier::Hard, long index = 0) { return generate_one(3, tier, 42, index); }

std::vector<int64_t> answer_part(const std::vector<int64_t>& sequence) {
  return std::vector<int64_t>(sequence.begin() + ar_prompt_length(3), sequence.end());
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

const ebm::Task& sudoku_task() {
  static const ebm::TaskPtr task = ebm::find_task("sudoku");
  return *task;
}

// A one-layer transformer config for box x box Sudoku (untrained tests).
ebm::ArTransformerConfig tiny_ar_config(int box, int64_t d_model, int64_t heads, ArOrder order = ArOrder::Fixed) {
  ebm::ArTransformerConfig config;
  config.vocab = ar_vocab(box);
  config.max_length = ar_max_length(order, box);
  config.d_model = d_model;
  config.heads = heads;
  config.layers = 1;
  return config;
}

// An untrained model of `config` on Sudoku's tokens of that order and box.
ArModel untrained(const ebm::ArTransformerConfig& config, ArOrder order, int box) {
  ArModel model;
  model.net = ebm::ArTransformer(config);
  model.tokens = make_token_sequence(order, box);
  return model;
}

// The AR baseline's answers to boards, through the task's problems.
std::vector<ArSolved> solve_boards(ArModel& model, const std::vector<Board>& boards, const ArSolveSettings& settings) {
  std::vector<ebm::ProblemPtr> problems;
  for (const auto& b : boards) problems.push_back(make_problem(b, "test"));
  return ebm::solve_ar(sudoku_task(), model, problems, settings);
}

const Board& board(const ArSolved& solved) { return board_of(*solved.answer); }

// `ebm train sudoku --model ar` with these parameters and loop options.
ebm::TrainingResult train_ar(const ebm::TaskParameters& parameters, const ebm::TrainingOptions& options,
                             std::ostream& log) {
  return ebm::run_training(*ebm::make_ar_training_recipe(sudoku_task(), options, parameters), options, log);
}

}  // namespace

TEST_SUITE("ar") {

// Regression (fuzz/checkpoint.cpp): "layers": 2147483648 (or 100000) in a 17 KB file had the loader
// build transformer blocks until memory or patience ran out.
TEST_CASE("load_ar_model refuses an architecture larger than the file's weights before building it") {
  ebm::ArTransformerConfig config = tiny_ar_config(2, 2, 1);
  config.d_ff = 2;
  ebm::ArTransformer net(config);
  const std::string path = temp_dir("huge") + "/ar.ckpt";
  for (const int64_t layers : {int64_t{100000}, int64_t{2147483648}}) {
    nlohmann::json architecture = config.to_json();
    architecture["layers"] = layers;
    architecture["order"] = "fixed";
    architecture["box"] = 2;
    ebm::save_checkpoint(path, *net, {{"kind", "sudoku-ar"}, {"architecture", architecture}}, "test");
    // 10^5 layers: more parameters than the file's weights hold; 2^31: beyond any sane size.
    CHECK_THROWS_WITH_AS(ebm::load_ar_model(sudoku_task(), path, torch::kCPU),
                         doctest::Contains(layers == 100000 ? "bytes of weights" : "'layers' is 2147483648, above the limit"),
                         ebm::CheckpointError);
  }
  ebm::ArTransformerConfig absurd = config;
  absurd.d_model = int64_t{1} << 40;
  absurd.layers = int64_t{1} << 40;
  CHECK(absurd.parameter_count() == std::numeric_limits<int64_t>::max());  // saturates, no overflow
}


TEST_CASE("fixed order: 163 tokens, prompt layout, decode gives the solution back") {
  const auto g = sample_puzzle();
  const auto seq = encode_ar(g.puzzle, g.solution, ArOrder::Fixed);
  REQUIRE(seq.size() == 163u);
  for (int c = 0; c < 81; ++c) CHECK(seq[c] == g.puzzle.cells[c]);
  CHECK(seq[81] == kArSep);
  const Board decoded = decode_ar_answer(g.puzzle, answer_part(seq), ArOrder::Fixed);
  CHECK(decoded == g.solution);
  CHECK(is_valid_solution(g.puzzle, decoded));
  // No repair: a short or non-digit answer leaves blanks, which the verifier rejects.
  const Board partial = decode_ar_answer(g.puzzle, {1, 2, 3}, ArOrder::Fixed);
  CHECK(partial.cells[80] == 0);
  CHECK_FALSE(is_valid_solution(g.puzzle, partial));
}

TEST_CASE("solver order: 82 + 2*blanks tokens, fills exactly the blanks, decodes to the solution") {
  for (long i = 0; i < 3; ++i) {
    const auto g = sample_puzzle(Tier::Expert, i);
    const int blanks = 81 - count_givens(g.puzzle);
    const auto seq = encode_ar(g.puzzle, g.solution, ArOrder::Solver);
    REQUIRE(static_cast<int>(seq.size()) == 82 + 2 * blanks);
    CHECK(ar_answer_length(ArOrder::Solver, 3, blanks) == 2 * blanks);
    std::set<int> cells;
    for (size_t k = ar_prompt_length(3); k < seq.size(); k += 2) {
      const int cell = static_cast<int>(seq[k] - kArCellBase);
      REQUIRE(cell >= 0);
      REQUIRE(cell < 81);
      CHECK(g.puzzle.cells[cell] == 0);
      CHECK(seq[k + 1] == g.solution.cells[cell]);
      cells.insert(cell);
    }
    CHECK(static_cast<int>(cells.size()) == blanks);
    CHECK(decode_ar_answer(g.puzzle, answer_part(seq), ArOrder::Solver) == g.solution);
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
  const Board b = decode_ar_answer(g.puzzle, answer, ArOrder::Solver);
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
  const auto solved = reference_solve(b, 1);
  REQUIRE(solved.solved());
  const auto order = deductive_order(b, solved.first);
  REQUIRE(order.size() == 81u - 8u);
  CHECK(order.front() == 40);
  const auto seq = encode_ar(b, solved.first, ArOrder::Solver);
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

TEST_CASE("masks: fixed order forces the givens, solver order offers only unwritten blanks") {
  const auto g = sample_puzzle(Tier::Medium, 3);
  const int blanks = 81 - count_givens(g.puzzle);
  const int64_t vocab = ar_vocab(3);
  const auto fixed = ar_step_mask(ArOrder::Fixed, {g.puzzle}, torch::kCPU);
  for (int64_t s = 0; s < 81; ++s) {
    const torch::Tensor row = fixed(s, torch::zeros({1, s}, torch::kLong));
    REQUIRE(row.sizes() == torch::IntArrayRef({1, vocab}));
    for (int64_t t = 0; t < vocab; ++t) {
      const int given = g.puzzle.cells[s];
      const bool expected = given != 0 ? t == given : (t >= 1 && t <= 9);
      CHECK(row[0][t].item<bool>() == expected);
    }
  }
  const auto solver = ar_step_mask(ArOrder::Solver, {g.puzzle}, torch::kCPU);
  // The true sequence's answer part, fed step by step: at each cell step the offered cells are the
  // blanks not yet written; at each digit step the digits 1..9.
  const auto answer = answer_part(encode_ar(g.puzzle, g.solution, ArOrder::Solver));
  REQUIRE(static_cast<int>(answer.size()) == 2 * blanks);
  const torch::Tensor tokens = torch::tensor(answer, torch::kLong).unsqueeze(0);
  std::set<int> written;
  for (int64_t s = 0; s < 2 * blanks; ++s) {
    const torch::Tensor row = solver(s, tokens.narrow(1, 0, s));
    for (int64_t t = 0; t < vocab; ++t) {
      bool expected = false;
      if (s % 2 == 1) {
        expected = t >= 1 && t <= 9;
      } else if (t >= kArCellBase) {
        const int cell = static_cast<int>(t - kArCellBase);
        expected = g.puzzle.cells[cell] == 0 && written.count(cell) == 0;
      }
      CHECK(row[0][t].item<bool>() == expected);
    }
    if (s % 2 == 0) written.insert(static_cast<int>(answer[s] - kArCellBase));
  }
  // Rows are independent: two puzzles, two masks.
  const auto h = sample_puzzle(Tier::Medium, 4);
  const torch::Tensor both = ar_step_mask(ArOrder::Fixed, {g.puzzle, h.puzzle}, torch::kCPU)(0, torch::zeros({2, 0}, torch::kLong));
  CHECK(both[0].sum().item<int64_t>() == (g.puzzle.cells[0] != 0 ? 1 : 9));
  CHECK(both[1].sum().item<int64_t>() == (h.puzzle.cells[0] != 0 ? 1 : 9));
  CHECK_THROWS_AS(ar_step_mask(ArOrder::Solver, {g.puzzle, sample_puzzle(Tier::Easy, 1).puzzle}, torch::kCPU),
                  std::invalid_argument);
  CHECK_THROWS_AS(ar_step_mask(ArOrder::Fixed, {}, torch::kCPU), std::invalid_argument);
}

TEST_CASE("an untrained model's decoded answers never change a given and never write a cell twice") {
  for (const int box : {2, 3}) {
    for (const ArOrder order : {ArOrder::Fixed, ArOrder::Solver}) {
      CAPTURE(box);
      CAPTURE(ar_order_name(order));
      torch::manual_seed(5);
      ArModel model = untrained(tiny_ar_config(box, 16, 2, order), order, box);
      std::vector<Board> puzzles;
      for (long i = 0; i < 3; ++i) puzzles.push_back(generate_one(box, Tier::Medium, 8, i).puzzle);
      for (const std::string decode : {"greedy", "sample:3", "beam:3", "best-of:3", "until-verified:2"}) {
        CAPTURE(decode);
        ArSolveSettings settings;
        settings.decode = decode;
        settings.budget_ms = 500;  // ample for one round; until-verified spends it (an untrained model never verifies)
        const auto solved = solve_boards(model, puzzles, settings);
        for (size_t i = 0; i < puzzles.size(); ++i) {
          if (solved[i].out_of_budget) {  // only a machine too loaded to decode one round in 500 ms
            CHECK(solved[i].answer == nullptr);
            CHECK_FALSE(solved[i].verified);
            continue;
          }
          for (size_t c = 0; c < puzzles[i].cells.size(); ++c)
            if (puzzles[i].cells[c] != 0) CHECK(board(solved[i]).cells[c] == puzzles[i].cells[c]);
          // Fixed order writes a digit everywhere; solver order writes each blank exactly once (as
          // many cell steps as blanks, no cell twice), so both leave no blank.
          CHECK(board(solved[i]).complete());
          CHECK(solved[i].verified == is_valid_solution(puzzles[i], board(solved[i])));
        }
      }
    }
  }
}

TEST_CASE("4x4 tokens: vocabulary, lengths, deductive order and round trip") {
  CHECK(ar_vocab(2) == 27);
  CHECK(ar_prompt_length(2) == 17);
  CHECK(ar_max_length(ArOrder::Fixed, 2) == 33);
  CHECK(ar_max_length(ArOrder::Solver, 2) == 49);
  CHECK(ar_max_length(ArOrder::Fixed, 3) == 163);
  CHECK(ar_max_length(ArOrder::Solver, 3) == 244);
  CHECK_THROWS_WITH_AS(ar_vocab(4), doctest::Contains("box 4"), std::invalid_argument);
  for (long i = 0; i < 4; ++i) {
    const auto g = generate_one(2, Tier::Hard, 13, i);
    const int blanks = 16 - count_givens(g.puzzle);
    for (const ArOrder order : {ArOrder::Fixed, ArOrder::Solver}) {
      const auto seq = encode_ar(g.puzzle, g.solution, order);
      CHECK(static_cast<int64_t>(seq.size()) == 17 + ar_answer_length(order, 2, blanks));
      CHECK(seq[16] == kArSep);
      for (int64_t t : seq) CHECK(t < ar_vocab(2));
      const std::vector<int64_t> answer(seq.begin() + 17, seq.end());
      CHECK(decode_ar_answer(g.puzzle, answer, order) == g.solution);
    }
    const auto order = deductive_order(g.puzzle, g.solution);
    CHECK(std::set<int>(order.begin(), order.end()).size() == static_cast<size_t>(blanks));
  }
  // The task's tokens refuse a board of another size than theirs, naming both.
  const auto small = generate_one(2, Tier::Easy, 1, 0);
  CHECK_THROWS_WITH_AS(make_token_sequence(ArOrder::Fixed, 3)->prompt(*make_problem(small.puzzle, "small")),
                       doctest::Contains("4x4"), std::invalid_argument);
}

TEST_CASE("orders and decode specs parse, and errors name the problem") {
  CHECK(parse_ar_order("solver") == ArOrder::Solver);
  CHECK_THROWS_WITH_AS(parse_ar_order("random"), doctest::Contains("random"), std::invalid_argument);
  CHECK(parse_ar_decode("greedy").kind == ArDecodeSpec::Kind::Greedy);
  CHECK(parse_ar_decode("sample:0.5").temperature == doctest::Approx(0.5));
  CHECK(parse_ar_decode("beam:4").width == 4);
  const auto best = parse_ar_decode("best-of:8,verifier");
  CHECK(best.kind == ArDecodeSpec::Kind::BestOf);
  CHECK(best.samples == 8);
  CHECK(best.verifier);
  CHECK_FALSE(parse_ar_decode("best-of:3").verifier);
  CHECK_THROWS_WITH_AS(parse_ar_decode("beam:0"), doctest::Contains("beam width"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_ar_decode("sample:-1"), doctest::Contains("temperature"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_ar_decode("best-of:2,oracle"), doctest::Contains("oracle"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_ar_decode("nucleus:0.9"), doctest::Contains("unknown decoder"), std::invalid_argument);
  const auto until = parse_ar_decode("until-verified:4");
  CHECK(until.kind == ArDecodeSpec::Kind::UntilVerified);
  CHECK(until.samples == 4);
  CHECK(until.verifier);
  CHECK_THROWS_WITH_AS(parse_ar_decode("until-verified"), doctest::Contains("until-verified:N"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_ar_decode("until-verified:0"), doctest::Contains("until-verified:N"), std::invalid_argument);
  CHECK_THROWS_AS(parse_ar_decode("greedy:1"), std::invalid_argument);
}

TEST_CASE("a tiny model learns, checkpoints, resumes, and solve_ar reports honestly") {
  const std::string dir = temp_dir("train");
  const ebm::TaskParameters parameters{{"order", "fixed"},       {"d-model", "16"},  {"layers", "1"},
                                       {"heads", "2"},           {"train-puzzles", "64"}, {"tiers", "medium,hard"},
                                       {"validation-puzzles", "2"}};
  ebm::TrainingOptions options;
  options.steps = 30;
  options.batch = 16;
  options.learning_rate = 3e-3;
  options.validate_every = 30;
  options.seed = 3;
  options.output = dir + "/ar.ckpt";
  std::ostringstream log;
  const auto first = train_ar(parameters, options, log);
  CHECK(first.steps == 30);
  REQUIRE(first.losses.size() == 30u);
  CHECK(mean(first.losses, 25, 30) < mean(first.losses, 0, 5));
  CHECK(log.str().find("checkpoint written") != std::string::npos);
  CHECK(first.metrics.contains("solve_rate"));
  CHECK(first.metrics.contains("cell_accuracy"));
  CHECK_FALSE(ebm::read_checkpoint_training_state(options.output).empty());  // the optimizer, in the same file
  auto metadata = ebm::read_checkpoint_metadata(options.output);
  CHECK(metadata.at("kind") == "sudoku-ar");
  CHECK(metadata.at("task") == "sudoku");
  CHECK(metadata.at("architecture").at("order") == "fixed");
  CHECK(metadata.at("architecture").at("box") == 3);
  CHECK(metadata.at("training").at("step") == 30);

  options.resume = true;
  options.steps = 40;
  std::ostringstream log2;
  const auto second = train_ar(parameters, options, log2);
  CHECK(second.first_step == 30);
  CHECK(second.steps == 40);
  CHECK(second.losses.size() == 10u);
  CHECK(log2.str().find("resumed") != std::string::npos);
  CHECK(ebm::read_checkpoint_metadata(options.output).at("training").at("step") == 40);

  auto model = ebm::load_ar_model(sudoku_task(), options.output, torch::kCPU);
  CHECK(model->tokens->settings() == nlohmann::json{{"order", "fixed"}, {"box", 3}});
  CHECK(model->net->config().d_model == 16);
  const std::vector<Board> puzzles{sample_puzzle(Tier::Hard, 5).puzzle, sample_puzzle(Tier::Hard, 6).puzzle};
  for (const std::string decode : {"greedy", "sample:1.0", "beam:2", "best-of:2", "best-of:2,verifier"}) {
    CAPTURE(decode);
    ArSolveSettings settings;
    settings.decode = decode;
    settings.seed = 7;
    const auto solved = solve_boards(*model, puzzles, settings);
    REQUIRE(solved.size() == 2u);
    for (size_t i = 0; i < 2; ++i) {
      CHECK(solved[i].verified == is_valid_solution(puzzles[i], board(solved[i])));
      CHECK(solved[i].log_prob <= 0.0);
      CHECK(solved[i].forward_passes > 0);
      CHECK(solved[i].ms >= 0.0);
    }
    // One pass over the prompt and each generated token but the last; nothing is scored again.
    if (decode == "greedy") CHECK(solved[0].forward_passes == 82 + 81 - 1);
    if (decode == "beam:2") CHECK(solved[0].forward_passes == 82 + 2 * 80);
    if (decode == "best-of:2") CHECK(solved[0].forward_passes == 2 * (82 + 81 - 1));
    CHECK(solved[0].sequences == (decode == "greedy" || decode == "sample:1.0" ? 1 : 2));
    // The fixed-order mask never lets a given change.
    for (size_t i = 0; i < 2; ++i)
      for (int c = 0; c < 81; ++c)
        if (puzzles[i].cells[c] != 0) CHECK(board(solved[i]).cells[c] == puzzles[i].cells[c]);
  }
  // Sampling is reproducible for a seed.
  ArSolveSettings settings;
  settings.decode = "sample:1.0";
  settings.seed = 11;
  CHECK(board(solve_boards(*model, puzzles, settings)[0]) == board(solve_boards(*model, puzzles, settings)[0]));

  // A checkpoint of another architecture is refused on resume.
  ebm::TaskParameters wider = parameters;
  wider["d-model"] = "32";
  options.steps = 41;
  std::ostringstream log3;
  CHECK_THROWS_AS(train_ar(wider, options, log3), ebm::CheckpointError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("solver-order training and greedy decoding of variable answer lengths") {
  const std::string dir = temp_dir("solver");
  const ebm::TaskParameters parameters{{"order", "solver"}, {"d-model", "16"},       {"layers", "1"},
                                       {"heads", "2"},      {"train-puzzles", "16"}, {"tiers", "medium"},
                                       {"validation-puzzles", "2"}};
  ebm::TrainingOptions options;
  options.steps = 4;
  options.batch = 8;
  options.validate_every = 4;
  options.output = dir + "/ar.ckpt";
  std::ostringstream log;
  const auto result = train_ar(parameters, options, log);
  CHECK(result.steps == 4);
  auto model = ebm::load_ar_model(sudoku_task(), options.output, torch::kCPU);
  CHECK(model->net->config().max_length == 244);
  CHECK(model->tokens->settings().at("order") == "solver");
  const std::vector<Board> puzzles{sample_puzzle(Tier::Medium, 1).puzzle, sample_puzzle(Tier::Hardest, 2).puzzle};
  const auto solved = solve_boards(*model, puzzles, ArSolveSettings{});
  for (size_t i = 0; i < 2; ++i) {
    const int blanks = 81 - count_givens(puzzles[i]);
    CHECK(solved[i].verified == is_valid_solution(puzzles[i], board(solved[i])));
    CHECK(solved[i].forward_passes == 82 + 2 * blanks - 1);
    // Only blanks were written (givens unchanged), each exactly once: the board is complete.
    for (int c = 0; c < 81; ++c)
      if (puzzles[i].cells[c] != 0) CHECK(board(solved[i]).cells[c] == puzzles[i].cells[c]);
    CHECK(board(solved[i]).complete());
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("until-verified samples until the verifier accepts, within the budget; the harness says so") {
  // 4x4 puzzles with two blanks: an untrained model's samples are right about once in 16, so rounds of
  // 4 samples find a solution long before a 20 s budget ends; a nearly empty 9x9 board is not solved
  // by chance, so there the budget ends the rounds.
  torch::manual_seed(2);
  const ebm::ArTransformerConfig config = tiny_ar_config(2, 16, 2);
  ArModel model = untrained(config, ArOrder::Fixed, 2);
  std::vector<Board> easy;
  for (long i = 0; i < 3; ++i) {
    Board b = generate_one(2, Tier::Easy, 21, i).solution;
    b.cells[3 * i] = 0;
    b.cells[15 - 2 * i] = 0;
    easy.push_back(b);
  }
  ArSolveSettings settings;
  settings.decode = "until-verified:4";
  settings.budget_ms = 20000;
  settings.seed = 4;
  const auto solved = solve_boards(model, easy, settings);
  for (size_t i = 0; i < easy.size(); ++i) {
    CAPTURE(i);
    CHECK(solved[i].verified);
    CHECK(is_valid_solution(easy[i], board(solved[i])));
    CHECK(solved[i].sequences % 4 == 0);
    CHECK(solved[i].forward_passes == solved[i].sequences * (17 + 16 - 1));
    CHECK(solved[i].latency_ms <= 20000.0);
  }
  // One round of best-of:4 is the first round of until-verified:4: the same samples (same seed).
  settings.decode = "best-of:4,verifier";
  const auto once = solve_boards(model, easy, settings);
  for (size_t i = 0; i < easy.size(); ++i) {
    CHECK(once[i].sequences == 4);
    if (once[i].verified) CHECK(solved[i].sequences == 4);
  }

  ebm::ArTransformerConfig config9 = config;
  config9.vocab = ar_vocab(3);
  config9.max_length = ar_max_length(ArOrder::Fixed, 3);
  ArModel model9 = untrained(config9, ArOrder::Fixed, 3);
  Board blank;  // 81 blanks: a random fill is never a solution
  blank.cells[0] = 1;
  settings.decode = "until-verified:2";
  settings.budget_ms = 200;  // a first round must finish inside it even on a loaded machine (30 ms did not)
  const auto spent = solve_boards(model9, {blank}, settings);
  CHECK_FALSE(spent[0].verified);
  CHECK(spent[0].sequences >= 2);
  CHECK(spent[0].sequences % 2 == 0);
  CHECK(board(spent[0]).cells[0] == 1);

  // Through the harness spec: budget= and decode= parse, the verifier is reported as in the loop.
  const std::string dir = temp_dir("harness");
  const std::string path = dir + "/ar4.ckpt";
  nlohmann::json architecture = config.to_json();
  architecture["order"] = "fixed";
  architecture["box"] = 2;
  ebm::save_checkpoint(path, *model.net, {{"kind", "sudoku-ar"}, {"architecture", architecture}, {"task", "sudoku"}});
  const ebm::TaskPtr task = ebm::find_task("sudoku");
  ebm::SolverContext context;
  context.budget_ms = 1234;
  const auto until = ebm::make_ar_solver(task, "ar:" + path + ",budget=500,decode=until-verified:4", context);
  CHECK(until->uses_verifier());
  CHECK(until->config().at("budget_ms") == 500.0);
  CHECK(until->config().at("tokens").at("box") == 2);
  CHECK(ebm::make_ar_solver(task, "ar:model=" + path + ",decode=until-verified:2", context)->config().at("budget_ms") ==
        1234.0);
  CHECK(ebm::make_ar_solver(task, "ar:" + path + ",decode=best-of:2,verifier", context)->uses_verifier());
  const auto greedy = ebm::make_ar_solver(task, "ar:" + path, context);
  CHECK_FALSE(greedy->uses_verifier());
  CHECK(greedy->parameters() == config.parameter_count());
  CHECK(ebm::make_ar_solver(task, "reference", context) == nullptr);  // not an AR spec
  CHECK_THROWS_WITH_AS(ebm::make_ar_solver(task, "ar:" + path + ",budget=-3", context), doctest::Contains("budget"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(ebm::make_ar_solver(task, "ar:" + path + ",chains=3", context),
                       doctest::Contains("unknown key 'chains'"), std::invalid_argument);
  // A 4x4 model refuses 9x9 puzzles with a sentence.
  CHECK_THROWS_WITH_AS(solve_boards(model, {sample_puzzle().puzzle}, settings), doctest::Contains("4x4"),
                       std::invalid_argument);
  // A task without tokens has no AR baseline, and says so.
  CHECK_THROWS_WITH_AS(ebm::make_ar_solver(ebm::find_task("sat"), "ar", context), doctest::Contains("no AR baseline"),
                       std::invalid_argument);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the shipped AR checkpoints load through the one loader and answer their task's problems") {
  const std::pair<const char*, const char*> shipped[] = {{"sudoku", "sudoku-ar.ckpt"}, {"sudoku", "sudoku4-ar.ckpt"},
                                                          {"connectivity", "connectivity-ar.ckpt"},
                                                          {"shortest-path", "shortest-path-ar.ckpt"}};
  for (const auto& entry : shipped) {
    const std::string file = entry.second;  // not a structured binding: clang 14 cannot capture those
    CAPTURE(file);
    const std::string path = ebm::shipped_model_file(file);
    REQUIRE_FALSE(path.empty());
    const ebm::TaskPtr task = ebm::find_task(entry.first);
    auto model = ebm::load_ar_model(*task, path, torch::kCPU);
    ebm::GenerateRequest request{/*count=*/2, /*seed=*/1, ebm::Split::Test, {}};
    if (file == "sudoku4-ar.ckpt") request.parameters = {{"box", "2"}, {"tier", "easy"}};
    std::vector<ebm::ProblemPtr> problems;
    for (const auto& e : task->generate(request)) problems.push_back(e.problem);
    const auto solved = ebm::solve_ar(*task, *model, problems, ArSolveSettings{});
    for (size_t i = 0; i < problems.size(); ++i) {
      REQUIRE(solved[i].answer);
      CHECK(solved[i].verified == task->verify(*problems[i], *solved[i].answer));
    }
  }
}

TEST_CASE("matched parameter count: the default AR matches the task's learned energy") {
  ebm::TrainingOptions options;
  auto recipe = ebm::make_ar_training_recipe(sudoku_task(), options, {});
  auto energy = sudoku_task().training_recipe(options, {});
  const int64_t ar = ebm::parameter_count(recipe->module()), target = ebm::parameter_count(energy->module());
  CHECK(double(ar) == doctest::Approx(double(target)).epsilon(0.05));
  CHECK(recipe->identity().at("architecture").at("vocab") == ar_vocab(3));
  CHECK(recipe->identity().at("architecture").at("max_length") == 163);
  auto by_count = ebm::make_ar_training_recipe(sudoku_task(), options, {{"params", "100000"}});
  const int64_t count = ebm::parameter_count(by_count->module());
  CHECK(count > 50000);
  CHECK(count < 150000);
}

}  // TEST_SUITE

TEST_SUITE("ar") {
TEST_CASE("solve_ar: a budget spent mid-decoding leaves the puzzle unanswered, never half-filled") {
  torch::manual_seed(3);
  ArModel model = untrained(tiny_ar_config(3, 16, 2), ArOrder::Fixed, 3);
  const Board puzzle = sample_puzzle().puzzle;
  ArSolveSettings settings;
  settings.budget_ms = 1e-6;  // spent before the second position
  for (const std::string decode : {"greedy", "beam:2", "sample:1", "best-of:2"}) {
    CAPTURE(decode);
    settings.decode = decode;
    const auto started = std::chrono::steady_clock::now();
    const auto solved = solve_boards(model, {puzzle, puzzle}, settings);
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() < 2.0);
    for (const auto& s : solved) {
      CHECK(s.out_of_budget);
      CHECK_FALSE(s.verified);
      CHECK(s.answer == nullptr);  // nothing decoded is claimed
    }
  }
  settings.decode = "greedy";
  settings.budget_ms = 60000;
  const auto in_time = solve_boards(model, {puzzle}, settings);
  CHECK_FALSE(in_time[0].out_of_budget);
  CHECK(count_givens(board(in_time[0])) == 81);  // a complete (if wrong) answer
}
}
