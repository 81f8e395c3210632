// Solving Sudoku with the autoregressive (AR) baseline: prompt = givens + SEP (ar_tokens.h), the model
// generates the answer part under a token-TYPE mask (digits / cells, never the Sudoku rules), the
// tokens are decoded without any repair and the exact verifier (is_valid_solution) decides `verified`.
//
// Decode specs (ArSolveSettings::decode):
//   greedy              the allowed token of highest logit at every step
//   sample:T            one sample at temperature T > 0
//   beam:W              beam search of W >= 1 beams, the best-scoring beam is the answer
//   best-of:N           N >= 1 samples at temperature 1, the one of highest log-prob is the answer
//   best-of:N,verifier  the same N samples ranked by the exact verifier first (a verified sample beats
//                       any unverified one), then by log-prob: the verifier is used as a re-ranker,
//                       which an EBM comparison must count as such
// log_prob is always sum_s log p(token_s | prefix) under the full-vocabulary softmax (the mask
// removes candidates, it does not renormalise), as sequence_log_prob / beam_search define it.
//
// Batching: puzzles are grouped by answer length (solver order: by blank count; fixed: all alike),
// in input order within a group, `batch` at a time, so every row of a batch decodes exactly its own
// answer length and nothing is padded. Results are returned in input order.
#pragma once

#include "ebm/ar_transformer.h"
#include "tasks/sudoku/ar_tokens.h"
#include "tasks/sudoku/board.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ebm::sudoku {

inline constexpr const char* kArCheckpointKind = "sudoku-ar";

struct ArDecodeSpec {
  enum class Kind { greedy, sample, beam, best_of };
  Kind kind = Kind::greedy;
  double temperature = 1.0;  // sample: T; best-of: 1
  int64_t width = 1;         // beam: W
  int64_t samples = 1;       // best-of: N
  bool verifier = false;     // best-of: rank by the exact verifier first
};

// Parses a decode spec (see above). Throws std::invalid_argument naming the problem, e.g.
// "ar decode 'beam:0': beam width must be an integer >= 1".
ArDecodeSpec parse_ar_decode(const std::string& spec);

struct ArSolveSettings {
  std::string decode = "greedy";  // see above
  uint64_t seed = 0;              // sampling seed (sample, best-of); batch k uses seed + 1000003 * k
  int64_t batch = 32;             // puzzles decoded together (best-of: times N rows), >= 1
  torch::Device device = torch::kCPU;
};

struct ArSolved {
  Board answer;                // decoded generated tokens, never repaired
  bool verified = false;       // is_valid_solution(puzzle, answer)
  double log_prob = 0.0;       // log-prob of the chosen token sequence (see above)
  int64_t forward_passes = 0;  // decoder positions computed for this puzzle: with the KV cache,
                               // P + steps - 1 per decoded sequence (beam: P + W (steps - 1)), plus
                               // P + steps - 1 per sequence scored with sequence_log_prob
                               // (greedy, sample, best-of); P = 82
  double ms = 0.0;             // its batch's wall time divided by the batch's puzzles (amortised)
  double latency_ms = 0.0;     // from the start of the solve_ar call until its batch was decoded
};

// A trained AR model with what is needed to use it.
struct ArModel {
  ArTransformer net{nullptr};
  ArOrder order = ArOrder::fixed;
  nlohmann::json metadata;  // the checkpoint's
};

// Loads a "sudoku-ar" checkpoint: rebuilds the transformer from metadata "architecture" (the
// ArTransformerConfig fields plus "order"), loads the weights, moves them to `device`.
// Throws CheckpointError (file problems) or std::invalid_argument (bad architecture / order).
std::shared_ptr<ArModel> load_ar_model(const std::string& path, const torch::Device& device);

// Solves every puzzle (9x9) with `model`, which must already be on settings.device. Throws std::invalid_argument for a
// bad decode spec, batch < 1, a non-9x9 puzzle, or a model whose vocab / max_length cannot hold
// the order's sequences.
std::vector<ArSolved> solve_ar(ArTransformer& model, ArOrder order, const std::vector<Board>& puzzles,
                               const ArSolveSettings& settings);
std::vector<ArSolved> solve_ar(ArModel& model, const std::vector<Board>& puzzles, const ArSolveSettings& settings);

}  // namespace ebm::sudoku
