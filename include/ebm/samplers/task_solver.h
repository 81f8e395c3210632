// The EBM solver for any task: energy + sampler + decode + exact verification.
//
// Pipeline per batch: task.encode(problems) -> `chains` states per driver problem -> the sampler
// minimises the chosen energy (the driver stops a problem as soon as the task's batched verifier
// accepts one chain's decoded state) -> task.decode -> task.verify decides `verified`.
// Nothing here searches, backtracks or propagates: the only solver is the sampler.
//
// Answer space: the encoding's; a categorical one is switched between one-hot rows and probability
// simplices when only the other suits the sampler (GWG wants one-hot, mirror Langevin simplices).
//
// Batches: consecutive problems that task.batchable() allows together, at most `batch` of them, run
// in one driver call bounded by `budget_ms`. The seed of batch b is seed + (index of its first problem).
//
// Workers: with `workers` > 1 and more than one batch, that many threads take the batches in turn, each
// with its own energy (task.make_energy) and sampler (parsed from the same spec), and one LibTorch
// thread of its own; a batch's answers do not depend on which worker ran it (its seed and budget are
// its own), so the report is the one a single worker would give, up to what the wall-clock budget
// allows. A prebuilt energy or a given learned model is shared state: those solves stay on one worker.
#pragma once

#include "ebm/solver.h"
#include "ebm/task.h"
#include "ebm/samplers/driver.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ebm {

struct EbmSettings {
  EnergyChoice energy;        // name "" = the task's default energy
  EnergyPtr prebuilt;         // the energy itself, built earlier by task.make_energy(energy, ...) for these
                              // problems; null = build it here (once per call)
  std::string sampler;        // sampler spec; "" = task.default_sampler(energy)
  double budget_ms = 10000.0; // wall-clock bound of each batch run, so of each problem
  int64_t batch = 8;          // problems solved together in one driver run
  uint64_t seed = 0;
  torch::Device device = torch::kCPU;
  bool trace = false;              // keep the first batch's per-step trace
  CancellationPtr cancel;          // optional: cancelled from any thread, the solve ends within one sampler
                                   // step; problems not reached come back unverified with no answer
  int64_t trace_chains_every = 0;  // > 0: every this many steps, record each running chain of the first
                                   // batch (energy, the encoding's rule violations, the best chain's text)
  int workers = 1;                 // threads solving batches side by side (1 = the calling thread only)
  bool taper = false;              // with workers > 1: batches shrink towards the end (at most `batch`, at
                                   // most 1/(2 workers) of the problems left), so the workers finish together
};

// One running chain at one step (EbmSettings::trace_chains_every).
struct ChainTraceRow {
  int64_t step = 0, chain = 0, problem = 0;
  double energy = 0.0;       // the sampler's energy (with any annealed weights)
  double violations = -1.0;  // Encoding::violations of its decoded state (-1 when the task has none)
  std::string state;         // Encoding::describe of the lowest-energy chain of its problem only
};

struct SolvedProblem {
  AnswerPtr answer;          // the decoded final state (meaningful only when verified)
  bool verified = false;     // task.verify accepted `answer`
  double energy = 0.0;       // energy of the answer's state (categorical spaces: of its one-hot form)
  int64_t steps = 0;         // sampler steps until the problem stopped
  int64_t evaluations = 0;   // candidate energy evaluations spent on it
  double ms = 0.0;           // from its batch's start until its last chain stopped
  int64_t chains = 0;
  std::string failure;       // when no answer could be made (the run failed): why
};

struct SolveReport {
  std::vector<SolvedProblem> problems;  // in input order
  std::string sampler;                  // canonical spec that ran
  std::string energy;                   // energy description
  std::vector<TraceRow> trace;          // first batch, when settings.trace
  std::vector<ChainTraceRow> chain_trace;
  double total_ms = 0.0;
  bool verifier_in_loop = false;        // the task's verifier stopped chains / picked among them (the
                                        // encoding had one), as opposed to only judging the answers
};

// The categorical space a sampler accepts: the encoding's own, or the same variables as one-hot rows
// (discrete samplers) or probability simplices (continuous ones). Energies see the same [V, K]
// tensors either way, and one-hot clamp rows are points of both. Throws the sampler's own refusal
// when neither fits.
AnswerSpace sampler_answer_space(const Sampler& sampler, const AnswerSpace& space);

// Solves every problem. `progress(done, total)` is called after each batch.
// Throws std::invalid_argument for unknown energies, bad specs or settings.
SolveReport solve_with_energy(const Task& task, const std::vector<ProblemPtr>& problems, const EbmSettings& settings,
                              const std::function<void(size_t, size_t)>& progress = {});

// The EBM as a harness Solver. Spec grammar (after "ebm"):
//   ebm[:KEY=VALUE,...]  keys: energy=NAME, model=PATH, chains=N, steps=N, budget=MS, sampler=SPEC
//                        (sampler= must come last: its text may hold commas)
SolverPtr make_ebm_solver(const TaskPtr& task, const std::string& spec, const SolverContext& context);

// Any harness solver spec: "ebm...", "reference", "ar..." (the autoregressive baseline, for a task with
// tokens) or one of the task's own (Task::make_solver). Throws std::invalid_argument naming the spec
// and the choices.
SolverPtr make_solver(const TaskPtr& task, const std::string& spec, const SolverContext& context);
// The specs make_solver takes for `task` beyond ebm and reference (the AR baseline's, the task's own),
// for help texts; "" when there are none.
std::string solver_choices(const Task& task);

}  // namespace ebm
