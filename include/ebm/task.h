// Task: one kind of reasoning problem, as the generic machinery (solve, eval, sweep, generate,
// bench, train) sees it. A task parses and writes its field's standard formats, generates seeded
// data in disjoint splits, encodes batches for the sampler driver, decodes and verifies answers
// exactly, offers energies by name with a tuned default sampler, and may name a classical reference
// solver, quality measures, extra solvers (a feed-forward baseline), the tokens of the AR baseline and
// the examples its learned models train on. Tasks live in tasks/NAME/ and are registered with one
// line in tasks/meson.build's task_names; nothing in ebm/ or samplers/ names a task.
//
// Problems and answers are task-defined objects behind the small `Problem` / `Answer` bases; only
// the task that made them looks inside. Task-specific settings (Sudoku's tier, a colouring's number
// of colours, a portfolio's cardinality) are declared as parameters: the CLI turns each into a flag,
// and they are applied when problems are read or generated, so a Problem carries every setting its
// verifier needs.
//
// Honesty: decode() and verify() never search. The EBM answer is whatever the sampler's states
// decode to; `verified` is verify()'s word alone. A reference solver is separate and named.
#pragma once

#include "ebm/answer_space.h"
#include "ebm/energy.h"
#include "ebm/problem_batch.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ebm {

// One problem instance. Tasks derive their own (a board, a CNF formula, a graph, a market).
struct Problem {
  virtual ~Problem() = default;
  std::string source;  // where it came from, for messages and reports: "FILE:LINE", "FILE", "generated"
};
// One answer (a filled board, an assignment, a colouring, a frontier).
struct Answer {
  virtual ~Answer() = default;
};
using ProblemPtr = std::shared_ptr<const Problem>;
using AnswerPtr = std::shared_ptr<const Answer>;

// The task's own type behind a Problem or Answer (`downcast<Graph>(problem, "coloring: ...")`);
// throws std::invalid_argument with `message` when the object is of another type.
template <typename Derived, typename Base>
const Derived& downcast(const Base& object, const char* message) {
  if (const auto* derived = dynamic_cast<const Derived*>(&object)) return *derived;
  throw std::invalid_argument(message);
}

// A problem with the answer its dataset or generator knows (a CSV's solution column, a planted
// colouring, a labelled model), or a null `solution`.
struct Example {
  ProblemPtr problem;
  AnswerPtr solution;
};

// Bad input text or a bad setting. The message names the place: "FILE:LINE: what is wrong".
class TaskInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Task-specific settings, by parameter name ("colors" -> "3"). Missing names take their default.
using TaskParameters = std::map<std::string, std::string>;

// Which commands a parameter belongs to.
enum ParameterUse : unsigned {
  ProblemParameter = 1,   // applied when problems are read or generated (solve, eval, sweep, bench)
  GenerateParameter = 2,  // shapes generated data (generate, and the generated datasets of eval/sweep/bench)
  TrainParameter = 4,     // training only
};

struct ParameterInfo {
  std::string name;           // flag name without dashes: "colors" -> --colors
  std::string default_value;  // "" = no default (required when the task needs it)
  std::string meaning;        // one line, with units or the formula it enters
  unsigned use = ProblemParameter;
};

// The value of `name` in `parameters`, else the default `infos` declares for it.
std::string parameter_value(const TaskParameters& parameters, const std::vector<ParameterInfo>& infos,
                            const std::string& name);
// Numeric forms; throw TaskInputError "--NAME: expected ..., got '...'" on bad text.
double parameter_double(const TaskParameters& parameters, const std::vector<ParameterInfo>& infos,
                        const std::string& name);
int64_t parameter_int(const TaskParameters& parameters, const std::vector<ParameterInfo>& infos,
                      const std::string& name);

// Data splits. A generated problem belongs to a split by its *content*, not by its seed:
// split_of(fingerprint) maps fingerprint % 10 to 0-7 train, 8 validation, 9 test, and a generator
// keeps only candidates of the split it was asked for. The streams therefore cannot overlap, whatever
// seeds their users pick (tests/test_tasks.cpp checks it for every task).
// Harder is the out-of-distribution test split of tasks that have one (Task::has_harder_split):
// problems drawn from a harder distribution (larger graphs, larger magnitudes, worse conditioning),
// kept only when their content lies in the test bucket too. split_of() never returns it.
enum class Split { Train, Validation, Test, Harder };
Split split_of(uint64_t fingerprint);
const char* split_name(Split split);
// "train" | "validation" | "test" | "harder"; throws TaskInputError.
Split parse_split(const std::string& name);
// The content bucket a generator keeps for `split`: Test for Harder, `split` itself otherwise.
Split content_split(Split split);

// FNV-1a of a byte string, the fingerprint helper tasks use for split_of() and dataset identity.
uint64_t content_fingerprint(const std::string& bytes);
// The splitmix64 finaliser: spreads a seed (or seed ^ index) over 64 bits for the generators' own
// std::mt19937_64 streams.
uint64_t splitmix64(uint64_t x);

struct GenerateRequest {
  int64_t count = 10;
  uint64_t seed = 1;
  Split split = Split::Test;
  TaskParameters parameters;  // the task's GenerateParameter and ProblemParameter values
  int threads = 0;            // OpenMP threads for generators that use them; 0 = default
};

// A batch of problems encoded for the chains (<ebm/problem_batch.h>: condition, clamp, initial states,
// the exact check on decoded states). A task problem may become several driver problems (a portfolio
// frontier: one per lambda); `owner` maps them back.
struct Encoding : ProblemBatch {  // problems: driver problems
  std::vector<int64_t> owner;  // [problems] index into the batch, non-decreasing; empty = identity
  AnswerSpace space;
  // Optional: rule violations of decoded states -> float [n] (>= 0; 0 = no broken rule), for traces.
  std::function<torch::Tensor(const torch::Tensor& decoded, const torch::Tensor& problem_index)> violations;
  // Optional: one line of text per decoded state (a board's line), for traces.
  std::function<std::vector<std::string>(const torch::Tensor& decoded)> describe;
};

// Which energy to build.
struct EnergyChoice {
  std::string name;   // one of Task::energy_names()
  std::string model;  // checkpoint of a learned energy; "" = the shipped one
  EnergyPtr learned;  // or the learned module itself (takes precedence over `model`)
};

class Solver;        // <ebm/solver.h>
struct SolverContext;
struct TrainingRecipe;  // <ebm/trainer.h>
struct TrainingOptions;
class ExampleStream;
class TokenSequence;    // <ebm/token_sequence.h>

class Task {
 public:
  virtual ~Task() = default;

  // --- identity and help ------------------------------------------------------------------------
  virtual std::string name() const = 0;
  virtual std::string summary() const = 0;        // one line for `ebm tasks`
  virtual std::string input_format() const = 0;   // what `ebm solve NAME` reads, a short paragraph
  virtual std::string output_format() const = 0;  // what it writes, and its exit codes
  virtual std::vector<ParameterInfo> parameters() const { return {}; }

  // --- formats ----------------------------------------------------------------------------------
  // True when one file holds one problem (DIMACS CNF, .col, an OR-Library market); false when a file
  // holds one problem per line (Sudoku).
  virtual bool one_problem_per_file() const { return false; }
  virtual std::string file_extension() const = 0;  // ".csv", ".cnf", ".col", ".txt"
  // Every problem in `in` (a file, or stdin when source is "-"), `parameters` applied.
  // Throws TaskInputError naming `source` and the line (or the setting) at the first problem found.
  virtual std::vector<Example> read(std::istream& in, const std::string& source,
                                    const TaskParameters& parameters) const = 0;
  // Writes problems so that read() takes them back (with their solutions where the format has room).
  virtual void write_problems(std::ostream& out, const std::vector<Example>& examples) const = 0;
  // The task's standard answer output for one problem; `answer` null = none verified within budget.
  virtual void write_answer(std::ostream& out, const Problem& problem, const Answer* answer) const = 0;
  // The answer as JSON (for --json and eval reports, so others can re-check it).
  virtual nlohmann::json answer_json(const Problem& problem, const Answer& answer) const = 0;
  // Fields that describe a problem in per-problem JSON output (Sudoku: {"puzzle": its line}).
  virtual nlohmann::json problem_fields(const Problem& /*problem*/) const { return nlohmann::json::object(); }
  // Exit status of `ebm solve` given how many problems were verified. Default: 0.
  virtual int exit_status(size_t /*verified*/, size_t /*total*/) const { return 0; }
  // A drawing of one problem and its answer for a terminal ("" = none): a board, say.
  virtual std::string render(const Problem& /*problem*/, const Answer* /*answer*/, bool /*color*/) const {
    return "";
  }
  // Content hash of a problem: dataset identity in reports and sweeps.
  virtual uint64_t fingerprint(const Problem& problem) const = 0;
  // The hash that decides a problem's split (split_of). Default: fingerprint(). A task whose
  // problems share hidden content overrides it (Sudoku: the solution grid, so puzzles dug from one
  // grid never straddle two splits).
  virtual uint64_t split_fingerprint(const Problem& problem) const { return fingerprint(problem); }

  // --- generation (optional) ----------------------------------------------------------------------
  virtual bool can_generate() const { return false; }
  // Whether generate() accepts Split::Harder (the out-of-distribution split). Default: no.
  virtual bool has_harder_split() const { return false; }
  // What makes the harder split harder, one line ("graphs of 18 nodes instead of 12"); "" = none.
  virtual std::string harder_split_description() const { return ""; }
  // request.count problems of request.split, reproducible from request.seed. Every problem's
  // split_fingerprint lies in request.split. Throws TaskInputError for bad parameters.
  virtual std::vector<Example> generate(const GenerateRequest& request) const;

  // --- energies, encoding, decoding, verification -------------------------------------------------
  virtual std::vector<std::string> energy_names() const = 0;  // the first is the default
  // The energy a solve of `problems` uses when none is named: energy_names().front() unless the
  // problems need another (a Sudoku variant, whose only energy is learned). `problems` may be empty.
  virtual std::string default_energy(const std::vector<ProblemPtr>& /*problems*/) const {
    return energy_names().front();
  }
  // The tuned default sampler spec for an energy (the same text as --sampler).
  virtual std::string default_sampler(const std::string& energy) const = 0;
  // The energy for `problems` (every batch of one solve call shares it; what differs per problem
  // travels in Encoding::condition). `problems` may be empty: a check that the choice can be built
  // (unknown name, missing model), with the task's usual shapes. Throws std::invalid_argument.
  virtual EnergyPtr make_energy(const EnergyChoice& choice, const std::vector<ProblemPtr>& problems,
                                const torch::Device& device) const = 0;
  // Estimated FLOPs of one candidate energy evaluation of `energy` (with gradient); 0 = unknown.
  virtual double flops_per_evaluation(const Energy& /*energy*/, const Problem& /*problem*/) const { return 0.0; }
  // Whether two problems may share one driver batch (same answer shape). Default: always.
  virtual bool batchable(const Problem& /*a*/, const Problem& /*b*/) const { return true; }
  // Throws std::invalid_argument when the batch cannot be encoded together.
  virtual Encoding encode(const std::vector<ProblemPtr>& batch, const torch::Device& device) const = 0;
  // The answer of one problem from the final states of its driver problems, [k, *shape] on the CPU
  // in driver order (k = 1 unless encode() split the problem). No search: a pure map.
  virtual AnswerPtr decode(const Problem& problem, const torch::Tensor& states) const = 0;
  // The exact verifier. False with *why (when non-null) naming the first problem found.
  virtual bool verify(const Problem& problem, const Answer& answer, std::string* why = nullptr) const = 0;

  // --- quality (optional) --------------------------------------------------------------------------
  // Named measures of an answer, averaged by the harness: "cell_accuracy" against a known
  // solution, "mpe_percent" against a bound, an objective. Empty = none.
  virtual std::map<std::string, double> measure(const Problem& /*problem*/, const Answer& /*answer*/,
                                                const Answer* /*solution*/) const {
    return {};
  }
  // Whether `answer` equals the known `solution` (for "valid but different" counts). Default: false.
  virtual bool same_answer(const Answer& /*answer*/, const Answer& /*solution*/) const { return false; }

  // --- classical reference (optional; never part of an EBM answer) ----------------------------------
  virtual std::string reference_name() const { return ""; }  // "" = none
  // The reference's answer, or null when it finds none within budget_ms.
  virtual AnswerPtr solve_reference(const Problem& /*problem*/, double /*budget_ms*/) const { return nullptr; }

  // --- extra solvers (optional): a feed-forward baseline and the like --------------------------------
  // A solver for `spec` ("feedforward:MODEL"), or null when the spec is not one of this task's. (The
  // AR baseline is every task's whose answers are token sequences: see token_sequence below.)
  virtual std::unique_ptr<Solver> make_solver(const std::string& spec, const SolverContext& context) const;
  virtual std::string solver_help() const { return ""; }  // lines describing those specs

  // --- the AR baseline's tokens (optional) -------------------------------------------------------------
  // The tokenisation `parameters` choose (the task's TrainParameter values, or a checkpoint's
  // TokenSequence::settings() as text; missing ones take their defaults), or null when the task's
  // answers are not token sequences. Throws std::invalid_argument (naming the setting) for bad values.
  virtual std::shared_ptr<const TokenSequence> token_sequence(const TaskParameters& /*parameters*/) const {
    return nullptr;
  }

  // --- training (optional) ---------------------------------------------------------------------------
  // The pieces <ebm/trainer.h>'s loop needs to train one of this task's learned models: `parameters`
  // holds the task's TrainParameter values, "model" among them (the kinds learned_models() names).
  // Null when the task has none. (`--model ar` is the AR baseline's own recipe, for every task.)
  virtual std::unique_ptr<TrainingRecipe> training_recipe(const TrainingOptions& options,
                                                          const TaskParameters& parameters) const;
  // What training_recipe trains, by the name --model takes; the first is the default. Empty = none.
  virtual std::vector<std::string> learned_models() const { return {}; }
  // The examples every learned model of the task trains on (train split; validation split for
  // validation), from the TrainParameter values; null when the task has none.
  virtual std::unique_ptr<ExampleStream> example_stream(const TrainingOptions& options,
                                                        const TaskParameters& parameters) const;
};

using TaskPtr = std::shared_ptr<const Task>;

// task.generate(request) after refusing what the task cannot do: no generator, or Split::Harder for
// a task without one (TaskInputError naming the task and its splits).
std::vector<Example> generate_examples(const Task& task, const GenerateRequest& request);

}  // namespace ebm
