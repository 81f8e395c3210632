// TensorTask: the shared base of tasks whose problem is a tensor and whose answer is a tensor (the
// IRED suite: addition, matrix-inverse, matrix-completion, connectivity, shortest-path). A task
// derived from it supplies only what is its own:
//   - shapes and answer space for a problem size (matrix order, graph nodes),
//   - a seeded sampler of (condition, reference answer) pairs, for the usual and the harder split,
//   - the check that decides `verified` (exact, or within a stated tolerance) and its measures,
//   - the networks (energy, feed-forward; the AR baseline's tokens where the answer is a sequence).
// The base supplies the rest of the Task interface: a JSON-lines file format, generation in disjoint
// splits (by content fingerprint), encode/decode for the sampler driver, the learned energy by name
// ("learned", from models/NAME-energy.ckpt unless a model is given), the feed-forward solver, the
// tokens of the AR baseline (ebm/learning/ar_baseline.h) where the answer is a sequence, the example
// stream, and the training recipes of the energy and the feed-forward model (tasks/tensor/training.h).
//
// File format (`.jsonl`, one problem per line):
//   {"size": N, "condition": [numbers, row-major], "answer": [numbers, row-major]}
// "answer" is optional (problems without a known answer). Blank lines and lines starting with '#'
// are skipped. Errors name "FILE:LINE".
#pragma once

#include "ebm/task.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace ebm {
class LandscapeEnergy;  // ebm/learning/landscape_energy.h
class Regressor;        // tasks/tensor/graph_network.h, ebm/learning/landscape_energy.h
}  // namespace ebm

namespace ebm::tensor {

struct TensorProblem : Problem {
  int64_t size = 0;          // the task's size parameter (matrix order, nodes)
  torch::Tensor condition;   // float32 [*condition_shape(size)], CPU
  torch::Tensor reference;   // float32 [*answer_space(size).shape], CPU; undefined when not known
};

struct TensorAnswer : Answer {
  torch::Tensor value;  // float32 [*answer_space(size).shape], CPU: real values, or one-hot rows
};

// A drawn problem: condition and its reference answer.
struct Draw {
  torch::Tensor condition, answer;
};

// Which trained model a solver or a recipe means.
enum class ModelKind { Energy, Feedforward };
const char* model_kind_name(ModelKind kind);  // "energy" | "feedforward"

// The largest problem size (matrix order, graph nodes) a file or `generate --size` may ask for:
// conditions hold size^2 numbers, so this keeps a line's tensors within 4 MiB of floats.
constexpr int64_t kMaxTensorProblemSize = 1024;

class TensorTask : public Task {
 public:
  // --- what a derived task defines ------------------------------------------------------------------
  // Problem size of a split (harder: the out-of-distribution size, e.g. more nodes).
  virtual int64_t size_of(Split split) const = 0;
  virtual std::vector<int64_t> condition_shape(int64_t size) const = 0;
  // Real (continuous tasks) or OneHot {variables, categories} (discrete tasks).
  virtual AnswerSpace answer_space(int64_t size) const = 0;
  // One (condition, answer) pair of `split`'s distribution (Harder: the harder one), from `rng`.
  virtual Draw draw(Split split, int64_t size, std::mt19937_64& rng) const = 0;
  // True when `answer` solves `problem`: exactly, or within the task's stated tolerance; else *why.
  virtual bool check(const TensorProblem& problem, const torch::Tensor& answer, std::string* why) const = 0;
  // Measures of an answer (Task::measure): "mse" for continuous tasks, "accuracy" for discrete ones.
  virtual std::map<std::string, double> measures(const TensorProblem& problem, const torch::Tensor& answer) const = 0;
  // Whether the sampler driver may stop a problem when check() accepts a chain: true only where
  // check() needs nothing but the problem itself (never the reference answer).
  virtual bool check_uses_problem_only() const = 0;
  // Why a condition read from a file is not a problem of this task, or "" when it is (a graph task
  // refuses an adjacency that is not 0/1, or a start that is not one-hot). read() reports it as
  // "FILE:LINE: <reason>" before any check(); generated conditions are valid by construction.
  virtual std::string condition_error(const torch::Tensor& condition) const { return ""; }

  // Networks. `architecture` is what default_architecture() returns, possibly edited by flags, and is
  // what checkpoints record. The feed-forward default is sized to the energy's parameter count.
  virtual nlohmann::json default_architecture(ModelKind kind) const = 0;
  virtual std::shared_ptr<LandscapeEnergy> make_energy_network(const nlohmann::json& architecture) const = 0;
  virtual std::shared_ptr<Regressor> make_feedforward_network(const nlohmann::json& architecture) const = 0;
  // The task's own defaults of training parameters (tasks/tensor/training.h), the settings its shipped
  // models were trained with: `ebm train TASK` uses them unless a flag says otherwise, and --help shows
  // them. Empty = the generic defaults.
  virtual TaskParameters training_defaults() const { return {}; }
  // Typical scale of an answer entry (the standard deviation of reference entries): sets the noise
  // levels of the training objectives.
  virtual double answer_scale() const { return 1.0; }

  // AR baseline, for tasks whose answer is a sequence of tokens (token_sequence() below wraps these
  // for the one AR baseline, ebm/learning/ar_baseline.h). token_vocabulary() == 0: no AR baseline.
  virtual int64_t token_vocabulary() const { return 0; }
  virtual std::vector<int64_t> prompt_tokens(const TensorProblem& problem) const { return {}; }
  virtual std::vector<int64_t> answer_tokens(const TensorProblem& problem, const torch::Tensor& answer) const {
    return {};
  }
  // Tokens the AR may emit at each answer position: bool [answer_length, vocabulary] (the token
  // TYPE only, never the task's rules), and the answer those tokens decode to (no repair).
  virtual torch::Tensor allowed_tokens(const TensorProblem& problem) const { return {}; }
  virtual torch::Tensor answer_from_tokens(const TensorProblem& problem, const std::vector<int64_t>& tokens) const {
    return {};
  }

  // --- supplied by the base ------------------------------------------------------------------------
  std::string input_format() const override;
  std::string output_format() const override;
  std::vector<ParameterInfo> parameters() const override;
  std::string file_extension() const override { return ".jsonl"; }
  std::vector<Example> read(std::istream& in, const std::string& source,
                            const TaskParameters& parameters) const override;
  void write_problems(std::ostream& out, const std::vector<Example>& examples) const override;
  void write_answer(std::ostream& out, const Problem& problem, const Answer* answer) const override;
  nlohmann::json answer_json(const Problem& problem, const Answer& answer) const override;
  nlohmann::json problem_fields(const Problem& problem) const override;
  uint64_t fingerprint(const Problem& problem) const override;

  bool can_generate() const override { return true; }
  bool has_harder_split() const override { return true; }
  std::vector<Example> generate(const GenerateRequest& request) const override;

  std::vector<std::string> energy_names() const override { return {"learned"}; }
  std::string default_sampler(const std::string& energy) const override;
  EnergyPtr make_energy(const EnergyChoice& choice, const std::vector<ProblemPtr>& problems,
                        const torch::Device& device) const override;
  bool batchable(const Problem& a, const Problem& b) const override;
  Encoding encode(const std::vector<ProblemPtr>& batch, const torch::Device& device) const override;
  AnswerPtr decode(const Problem& problem, const torch::Tensor& states) const override;
  bool verify(const Problem& problem, const Answer& answer, std::string* why = nullptr) const override;
  std::map<std::string, double> measure(const Problem& problem, const Answer& answer,
                                        const Answer* solution) const override;
  bool same_answer(const Answer& answer, const Answer& solution) const override;

  std::unique_ptr<Solver> make_solver(const std::string& spec, const SolverContext& context) const override;
  std::string solver_help() const override;
  std::shared_ptr<const TokenSequence> token_sequence(const TaskParameters& parameters) const override;
  std::vector<std::string> learned_models() const override { return {"energy", "feedforward"}; }
  std::unique_ptr<TrainingRecipe> training_recipe(const TrainingOptions& options,
                                                  const TaskParameters& parameters) const override;
  std::unique_ptr<ExampleStream> example_stream(const TrainingOptions& options,
                                                const TaskParameters& parameters) const override;

  // The shipped checkpoint of a model kind, NAME-energy.ckpt or NAME-feedforward.ckpt, as
  // shipped_model_file (ebm/model_files.h) finds it; models/FILE when it is nowhere.
  std::string shipped_model(ModelKind kind) const;
  // A problem of this task from a draw (size, condition, answer), with source "generated".
  std::shared_ptr<TensorProblem> make_problem(int64_t size, Draw draw) const;
  // Draws `count` problems of `split`, reproducible from `seed`, each kept only when its content
  // lies in the split's bucket (content_split); size 0 = size_of(split) (the harder split's is larger
  // where the task says so).
  std::vector<std::shared_ptr<TensorProblem>> draw_problems(Split split, int64_t count, uint64_t seed,
                                                            int64_t size = 0) const;
};

// The learned energies' inference as a sampler spec: gradient descent walking the landscapes from the
// smoothest to the sharpest (equal shares of `steps`), the last state as the answer (energies of
// different landscapes are not comparable, so no best-so-far). The default has 20 steps.
std::string landscape_descent_spec(int64_t steps);

// The problem behind a Problem of a TensorTask (throws std::invalid_argument for another kind).
const TensorProblem& as_tensor_problem(const Problem& problem);
const torch::Tensor& answer_value(const Answer& answer);

}  // namespace ebm::tensor
