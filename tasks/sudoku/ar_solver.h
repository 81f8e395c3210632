// Solving Sudoku with the autoregressive (AR) baseline: prompt = givens + SEP (ar_tokens.h), the model
// generates the answer part under ar_masks.h's mask (token types; a given is never changed and no
// cell written twice; never the Sudoku rules), the tokens are decoded without any repair and the exact
// verifier (is_valid_solution) decides `verified`. 4x4 and 9x9 boards, each with a model of its size.
//
// Decode specs (ArSolveSettings::decode):
//   greedy              the allowed token of highest logit at every step
//   sample:T            one sample at temperature T > 0
//   beam:W              beam search of W >= 1 beams, the best-scoring beam is the answer
//   best-of:N           N >= 1 samples at temperature 1, the one of highest log-prob is the answer
//   best-of:N,verifier  the same N samples ranked by the exact verifier first (a verified sample beats
//                       any unverified one), then by log-prob: the verifier is used as a re-ranker
//   until-verified:N    rounds of N >= 1 samples per puzzle at temperature 1 until one verifies or the
//                       batch's wall-time budget (ArSolveSettings::budget_ms) is spent; the first round
//                       always runs. A puzzle stops at its first verified sample; an unverified puzzle
//                       answers its sample of highest log-prob. This is the EBM's mode (chains stop
//                       when the verifier accepts, within the same budget), given to the AR.
// The last two use the verifier inside the search (uses_verifier()), as the EBM's chains do.
// log_prob is always sum_s log p(token_s | prefix) under the full-vocabulary softmax at temperature 1
// (the mask removes candidates, it does not renormalise), accumulated while decoding; nothing is
// scored twice.
//
// Batching: puzzles are grouped by answer length (solver order: by blank count; fixed: all alike),
// in input order within a group, `batch` at a time, so every row of a batch decodes exactly its own
// answer length and nothing is padded. Results are returned in input order.
#pragma once

#include "ebm/learning/ar_transformer.h"
#include "tasks/sudoku/ar_tokens.h"
#include "ebm/tasks/sudoku/board.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ebm::sudoku {

inline constexpr const char* kArCheckpointKind = "sudoku-ar";

struct ArDecodeSpec {
  enum class Kind { greedy, sample, beam, best_of, until_verified };
  Kind kind = Kind::greedy;
  double temperature = 1.0;  // sample: T; best-of, until-verified: 1
  int64_t width = 1;         // beam: W
  int64_t samples = 1;       // best-of, until-verified: N per puzzle (per round)
  bool verifier = false;     // best-of:N,verifier and until-verified: the exact verifier ranks / stops
};

// Parses a decode spec (see above). Throws std::invalid_argument naming the problem, e.g.
// "ar decode 'beam:0': beam width must be an integer >= 1".
ArDecodeSpec parse_ar_decode(const std::string& spec);

struct ArSolveSettings {
  std::string decode = "greedy";  // see above
  uint64_t seed = 0;              // sampling seed (sample, best-of, until-verified); batch k uses seed + 1000003 * k
  int64_t batch = 32;             // puzzles decoded together (best-of, until-verified: times N rows), >= 1
  double budget_ms = 10000.0;     // wall-clock bound of each batch, ms > 0 (the harness passes the EBM's budget
                                  // per batch run): decoding stops at the first position after it is spent and
                                  // the batch's puzzles without a complete answer stay unanswered
                                  // (ArSolved::out_of_budget); until-verified: also bounds its rounds
  torch::Device device = torch::kCPU;
};

struct ArSolved {
  Board answer;                // decoded generated tokens, never repaired; the puzzle as given when out_of_budget
  bool verified = false;       // is_valid_solution(puzzle, answer)
  bool out_of_budget = false;  // the budget ran out before any complete answer was decoded (never verified)
  double log_prob = 0.0;       // log-prob of the chosen token sequence (see above)
  int64_t sequences = 0;       // answer sequences decoded for this puzzle (beam: W; until-verified: N per round)
  int64_t forward_passes = 0;  // decoder positions computed for this puzzle with the KV cache: P + steps - 1
                               // per sampled or greedy sequence, P + W (steps - 1) for a beam; P = prompt length
  double ms = 0.0;             // its batch's wall time divided by the batch's puzzles (amortised)
  double latency_ms = 0.0;     // from the start of the solve_ar call until its answer was final
};

// A trained AR model with what is needed to use it.
struct ArModel {
  ArTransformer net{nullptr};
  ArOrder order = ArOrder::fixed;
  int box = 3;              // the board size it was trained on: 2 (4x4) or 3 (9x9)
  nlohmann::json metadata;  // the checkpoint's
};

// Loads a "sudoku-ar" checkpoint: rebuilds the transformer from metadata "architecture" (the
// ArTransformerConfig fields plus "order" and "box"; a checkpoint without "box" is 9x9), loads the
// weights, moves them to `device`.
// Throws CheckpointError (file problems) or std::invalid_argument (bad architecture / order).
std::shared_ptr<ArModel> load_ar_model(const std::string& path, const torch::Device& device);

// Solves every puzzle with `model`, which must already be on settings.device and hold ar_vocab(box)
// tokens. Throws std::invalid_argument for a bad decode spec, batch < 1, budget_ms <= 0, a puzzle that
// is not a well-formed board of box `box`, or a model whose vocab / max_length does not fit the
// order's sequences.
std::vector<ArSolved> solve_ar(ArTransformer& model, ArOrder order, int box, const std::vector<Board>& puzzles,
                               const ArSolveSettings& settings);
std::vector<ArSolved> solve_ar(ArModel& model, const std::vector<Board>& puzzles, const ArSolveSettings& settings);

}  // namespace ebm::sudoku
