// The shared training loop (`ebm train TASK`, every model kind): Adam over a task's module,
// progress lines, validation and an atomic checkpoint (weights + metadata + the optimizer state, one
// file) every `validate_every` steps and at the last step, and `resume` from there.
// What is learned, from which data and how it is validated is the task's TrainingRecipe.
#pragma once

#include "ebm/task.h"

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ebm {

struct TrainingOptions {
  int64_t steps = 3000;          // optimizer steps in total (a resumed run continues to this)
  int64_t batch = 32;            // examples per step
  double learning_rate = 1e-3;   // Adam
  int64_t validate_every = 500;  // steps between validation + checkpoint
  uint64_t seed = 0;             // data, initialisation (ebm/learning/training_records.h: seed_initialisation) and noise
  std::string output;            // checkpoint path
  bool resume = false;           // continue from the checkpoint at `output`
  double max_seconds = 0;        // > 0: stop (validate, checkpoint) at the first step after this much wall
                                 // time in this run, so models can be compared at equal training time
  torch::Device device = torch::kCPU;
  std::string command_line;      // recorded in the checkpoint
  // Data-parallel training (ebm/distributed.h): `world_size` processes each compute the loss of
  // their shard of every global batch of `batch` examples, rows [rank * batch / world_size,
  // (rank + 1) * batch / world_size) (batch must divide evenly), and average gradients before each
  // step, so W processes take the same steps as one process would on the whole batch. Recipes draw
  // the global batch from the seed alone and keep their shard (shard_rows() below).
  int world_size = 1;            // processes; 1 = not distributed
  int rank = 0;                  // this process, 0 .. world_size - 1; rank 0 validates and writes checkpoints
  std::string master;            // ADDR:PORT of rank 0's rendezvous store (world_size > 1)
  double distributed_timeout = 60;  // seconds a peer may stay silent before the run fails (ebm/distributed.h)
};

// The [begin, end) rows of a global batch of `batch` rows that this process computes.
std::pair<int64_t, int64_t> shard_rows(const TrainingOptions& options, int64_t batch);

// The factor that turns the mean of a shard's loss terms into this process's share of the global
// batch's mean, when terms per row differ (free cells, answer tokens): world_size * shard_terms /
// global_terms. The ranks' averaged gradients are then those of the global mean; 1 when world_size
// is 1 (the shard is the batch).
double shard_mean_weight(const TrainingOptions& options, double shard_terms, double global_terms);

// What one task contributes to the loop.
struct TrainingRecipe {
  virtual ~TrainingRecipe() = default;
  // One line for the log: model, parameter count, objective.
  virtual std::string describe() const = 0;
  // The module the optimizer trains (already on the device).
  virtual torch::nn::Module& module() = 0;
  // {"kind": ..., "architecture": ...}: written to checkpoints and checked on resume. Further keys
  // ("task": "sudoku") are written too, and on resume must equal the checkpoint's.
  virtual nlohmann::json identity() const = 0;
  // Builds the training and validation data (once, before the first step), logging what it does.
  virtual void prepare(std::ostream& log) = 0;
  // The loss of step `step` (module in train mode, gradients zeroed by the loop).
  virtual torch::Tensor loss(int64_t step) = 0;
  // Validation metrics (module in eval mode, no gradients), logged by the recipe.
  virtual nlohmann::json validate(int64_t step, std::ostream& log) = 0;
  // The "training" record of the metadata beyond the loop's own fields: data recipe, objective.
  virtual nlohmann::json recipe() const = 0;
};

// The examples a task's learned models learn from (Task::example_stream): the same for every model
// kind of a task, so an energy and its baselines see the same data. Examples come from the task's
// train split, validation problems from its validation split (disjoint by construction).
class ExampleStream {
 public:
  virtual ~ExampleStream() = default;
  // Builds what the examples are drawn from (once, before the first step), logging what it does.
  virtual void prepare(std::ostream& log) = 0;
  // The whole batch of training step `step`: `batch` examples, each with its solution, drawn from the
  // seed and the step alone, so that every data-parallel process draws the same batch (and keeps
  // its shard_rows()).
  virtual std::vector<Example> batch(int64_t step, int64_t batch) = 0;
  // The validation sets, each with a name ("" for a task's only set; Sudoku: its tiers), every
  // example with its solution.
  virtual std::vector<std::pair<std::string, std::vector<Example>>> validation() const = 0;
  // The "data" record of checkpoints' training metadata: generator or stream, split, sizes, seed.
  virtual nlohmann::json record() const = 0;
  // Every training example, once each (after prepare()), for learners that fit all the data at
  // once (the pairwise energy's null-space fit). Default: throws std::invalid_argument (a stream
  // without an end).
  virtual std::vector<Example> examples() const;
  // The answers of `examples` as categories, int64 [n, V] (0 .. K-1), and K: the form task-neutral
  // learners of categorical answers take (ebm/pairwise_energy.h). Default: throws
  // std::invalid_argument (the task's answers are not categorical).
  virtual std::pair<torch::Tensor, int64_t> answer_categories(const std::vector<Example>& examples) const;
};

// `ebm train TASK`'s recipe: parameters["model"] == "ar" -> the autoregressive baseline's (every task
// with a token sequence, <ebm/token_sequence.h>), "pairwise" / "attention" -> the task-neutral
// pairwise / attention energy's (ebm/learning/pairwise_training.h, attention_training.h; for tasks
// that list the name in learned_models()), else the task's own (Task::training_recipe; the
// model defaults to the first of Task::learned_models()). Throws std::invalid_argument naming the
// models the task has when it has not the one asked for.
std::unique_ptr<TrainingRecipe> make_training_recipe(const Task& task, const TrainingOptions& options,
                                                     const TaskParameters& parameters);
// The TrainParameter declarations make_training_recipe reads for `task`: the task's own, then the
// AR baseline's (d-model, params, heads; layers where the task has none) when it has tokens, then
// the pairwise and attention energies' (pairwise-*, attention-*) when it lists those models.
std::vector<ParameterInfo> training_parameters(const Task& task);

struct TrainingResult {
  int64_t steps = 0;        // step reached
  int64_t first_step = 0;   // step this run started from (0, or the checkpoint's)
  double final_loss = 0.0;  // mean loss of the last logged window
  nlohmann::json metrics;   // the last validation's
  std::vector<double> losses;  // this run's loss at every step it took
};

// The checkpoint metadata at step `step`: identity() plus
//   "parameters"  learned parameters of module(),
//   "training"    the loop's record (ebm/learning/training_records.h: command, step, steps, batch,
//                 learning_rate) merged with recipe(),
//   "metrics"     {"loss": the last logged mean loss} merged with validate()'s metrics.
// The loop writes it with the library version (ebm/checkpoint.h) every `validate_every` steps and at
// the last step (the step where `steps` or `max_seconds` ran out); a step is one Adam update on loss(step) with step = 0, 1, ... Progress lines come
// every 50 steps and at the last one ("step S/T  loss L  (R steps/s)").
//
// With world_size > 1 the loop runs data-parallel (ebm/distributed.h): it joins the group and logs
// "distributed: rank R of W via gloo at HOST:PORT"; every rank starts from rank 0's weights and
// optimizer state (rank 0 alone reads the checkpoint on `resume`); after loss.backward() the gradients
// are averaged over the ranks, so each step is the step one process takes on the whole batch; the
// loss logged is the ranks' mean; the run stops at the first step where any rank's time limit ran
// out; rank 0 alone prints progress, validates and writes checkpoints (the others print only the
// "distributed:" line). A rank that dies or stays silent past `distributed_timeout` makes the others
// throw DistributedError.
//
// Runs the loop. A non-finite loss stops it with std::runtime_error before that step's update (the
// last checkpoint stays as it was). Throws std::invalid_argument on bad options (naming the option) and CheckpointError
// when `resume` finds no usable checkpoint or one of another identity ("cannot resume: ...").
TrainingResult run_training(TrainingRecipe& recipe, const TrainingOptions& options, std::ostream& log);

}  // namespace ebm
