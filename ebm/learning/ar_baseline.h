// The autoregressive (AR) baseline: one for every task whose answers are token sequences
// (Task::token_sequence, <ebm/token_sequence.h>). A causal transformer (ar_transformer.h) reads the
// prompt and writes the answer tokens under the sequence's decoding mask; the tokens are turned into
// an answer without repair, and the task's exact verifier decides `verified`.
//
// Checkpoints: kind "NAME-ar", "task": NAME, "architecture" = ArTransformerConfig::to_json() with the
// sequence's settings() beside it (Sudoku: "order", "box"). Shipped: models/NAME-ar.ckpt.
//
// Decode specs (parse_ar_decode):
//   greedy              the allowed token of highest logit at every step
//   sample:T            one sample at temperature T in (0, 1000]
//   beam:W              beam search of W in [1, 256] beams; the best-scoring beam is the answer
//   best-of:N           N in [1, 4096] samples at temperature 1; the one of highest log-prob
//   best-of:N,verifier  the same samples ranked by the exact verifier first, then by log-prob
//   until-verified:N    rounds of N samples per problem at temperature 1 until one verifies or the
//                       batch's budget is spent (the first round always runs): the EBM's mode (chains
//                       stop when the verifier accepts, within the same budget), given to the AR
// The last two use the verifier inside the search (the harness says so). log_prob is the sum of
// log p(token | prefix) under the full-vocabulary softmax at temperature 1 (masks remove candidates,
// they do not renormalise), accumulated while decoding.
//
// Batching: problems are grouped by (prompt length, answer length), in input order within a group,
// `batch` at a time, so no row is padded. A batch's decoding stops at the first position after its
// budget is spent; its problems without a complete answer stay unanswered (never half-decoded).
#pragma once

#include "ebm/learning/ar_transformer.h"
#include "ebm/solver.h"
#include "ebm/token_sequence.h"
#include "ebm/trainer.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ebm {

struct ArDecodeSpec {
  enum class Kind { Greedy, Sample, Beam, BestOf, UntilVerified };
  Kind kind = Kind::Greedy;
  double temperature = 1.0;  // sample: T; best-of, until-verified: 1
  int64_t width = 1;         // beam: W
  int64_t samples = 1;       // best-of, until-verified: N per problem (per round)
  bool verifier = false;     // best-of:N,verifier and until-verified: the exact verifier ranks / stops
};
// Throws std::invalid_argument naming the problem: "ar decode 'beam:0': beam width must be ...".
ArDecodeSpec parse_ar_decode(const std::string& spec);

// A trained AR model of a task.
struct ArModel {
  ArTransformer net{nullptr};
  TokenSequencePtr tokens;
  nlohmann::json metadata;  // the checkpoint's
};
// "NAME-ar".
std::string ar_checkpoint_kind(const Task& task);
// Loads a "NAME-ar" checkpoint onto `device`, in eval mode with frozen parameters. Throws
// CheckpointError naming a wrong kind, task, architecture, token settings or vocabulary.
std::shared_ptr<ArModel> load_ar_model(const Task& task, const std::string& path, const torch::Device& device);

struct ArSolveSettings {
  std::string decode = "greedy";
  uint64_t seed = 0;           // sampling; batch k draws from seed + 1000003 * k
  int64_t batch = 32;          // problems decoded together (best-of, until-verified: times N rows), >= 1
  double budget_ms = 10000.0;  // wall-clock bound of each batch, ms > 0 (until-verified: also its rounds)
  torch::Device device = torch::kCPU;
};

struct ArSolved {
  AnswerPtr answer;            // the decoded tokens' answer, never repaired; null when out of budget
  bool verified = false;       // task.verify's word on `answer`
  bool out_of_budget = false;  // the budget ended before a complete answer was decoded
  double log_prob = 0.0;       // of the chosen token sequence (see above)
  int64_t sequences = 0;       // answer sequences decoded (beam: W; best-of: N; until-verified: N per round)
  int64_t forward_passes = 0;  // decoder positions computed with the KV cache: P + A - 1 per sampled or
                               // greedy sequence, P + W (A - 1) for a beam (P prompt, A answer tokens)
  double ms = 0.0;             // its batch's wall time over the batch's problems (amortised)
  double latency_ms = 0.0;     // from the start of solve_ar until its answer was final
};

// Decodes every problem (answers in input order). Throws std::invalid_argument for a bad decode
// spec or settings, or a problem the sequence cannot write or the model cannot hold (naming it).
std::vector<ArSolved> solve_ar(const Task& task, ArModel& model, const std::vector<ProblemPtr>& problems,
                               const ArSolveSettings& settings);

// "ar" | "ar:MODEL" | "ar,KEY=VALUE..." | "ar:MODEL,budget=MS,decode=SPEC" (MODEL also model=MODEL;
// default: the shipped models/NAME-ar.ckpt; budget: the evaluation's; decode last, it may hold a
// comma) -> the AR baseline as a harness Solver, or null for a spec that is not "ar...". Throws
// std::invalid_argument for a bad spec or a task without tokens, CheckpointError for a bad model.
SolverPtr make_ar_solver(const TaskPtr& task, const std::string& spec, const SolverContext& context);
// The spec's grammar, one line for help texts.
std::string ar_solver_help();

// The AR baseline's TrainParameter declarations: d-model, layers, heads, params.
std::vector<ParameterInfo> ar_training_parameters();
// `ebm train TASK --model ar`: teacher forcing, the mean cross-entropy of the next token over the
// answer tokens, on the task's example stream; validation = greedy decoding of each validation set:
// "solve_rate" (the verifier's) and the means of task.measure()'s measures against the solutions,
// prefixed "SET_" per named set. Architecture: d-model, else ArTransformerConfig::matched_to(params,
// ...), where params = 0 means the parameter count of the task's default learned model. Throws
// std::invalid_argument for a task without tokens or examples, or bad parameters.
std::unique_ptr<TrainingRecipe> make_ar_training_recipe(const Task& task, const TrainingOptions& options,
                                                        const TaskParameters& parameters);

// Mean verified fraction and task measures of `answers` (null = unanswered, counted unsolved) to
// `examples` (their solutions passed to task.measure): {"solve_rate", measure...}.
nlohmann::json score_examples(const Task& task, const std::vector<Example>& examples,
                              const std::vector<AnswerPtr>& answers);

}  // namespace ebm
