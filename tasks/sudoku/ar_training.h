// Training the autoregressive (AR) Sudoku baseline (`ArTransformer` over ar_tokens.h sequences).
//
// Objective: teacher forcing, cross-entropy of the next token on the ANSWER positions only (the
// tokens after SEP; the condition part is given, never predicted), averaged over those positions of
// the batch. Adam. Data: exactly the EBM trainer's recipe (training_data.h): the same generator
// calls per tier (seed * 7919 + k, train_puzzles / tiers boards each, Split::Train), so both see the
// same boards; validation puzzles of Split::Validation with seed + 1000003, `validation_puzzles` of
// each of `validation_tiers`. 4x4 (box 2) or 9x9 (box 3) boards.
// The loop is ebm/trainer.h's. Every `validate_every` steps (and at the last step): greedy decoding
// (with ar_masks.h's mask, as at evaluation) of the validation puzzles, per tier the exact-verifier
// solve rate and the accuracy over their blank cells (metrics validation_TIER_solved,
// validation_TIER_cell_accuracy; validation_solved and validation_cell_accuracy over all tiers), then
// an atomic checkpoint (kind "sudoku-ar", architecture = ArTransformerConfig::to_json() plus "order"
// and "box") holding the optimizer state too. `resume` continues from the
// checkpoint's step.
#pragma once

#include "ebm/learning/ar_transformer.h"
#include "ebm/task.h"
#include "ebm/trainer.h"

#include <torch/types.h>

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace ebm::sudoku {

struct ArTrainSettings {
  std::string order = "fixed";        // fixed | solver (ar_tokens.h)
  int64_t box = 3;                    // board size: 2 (4x4) or 3 (9x9)
  int64_t target_parameters = 0;      // > 0: ArTransformerConfig::matched_to(target, vocab,
                                      //   max_length, layers, heads) picks d_model; 0 = d_model below
  int64_t d_model = 64, layers = 2, heads = 4;
  int64_t steps = 3000;               // optimizer steps in total (a resumed run continues to this)
  int64_t batch = 32;                 // sequences per step
  double learning_rate = 3e-4;        // Adam
  int64_t train_puzzles = 4000;       // generated training boards
  std::string tiers = "medium,hard,expert,hardest";  // training tiers (as the EBM trainer)
  int64_t validate_every = 500;       // steps between validation + checkpoint
  int64_t validation_puzzles = 32;    // validation puzzles per validation tier
  std::string validation_tiers = "hardest";  // comma-separated tiers validated (learning curve per tier)
  uint64_t seed = 0;
  std::string output = "sudoku-ar.ckpt";
  bool resume = false;
  torch::Device device = torch::kCPU;
  std::string command_line;           // recorded in the checkpoint
  // Data-parallel training (ebm/trainer.h's TrainingOptions): this process computes rows
  // shard_rows() of every batch, and the loss is weighted so the ranks' mean is the whole batch's
  // mean over answer tokens.
  int world_size = 1;
  int rank = 0;
  std::string master;                 // HOST:PORT of rank 0 (world_size > 1)
  double distributed_timeout = 60;    // seconds
};

struct ArTrainResult {
  int64_t steps = 0;                   // step reached (a resumed run counts from the checkpoint's)
  int64_t first_step = 0;              // step the run started from (0, or the checkpoint's)
  double final_loss = 0.0;             // mean loss of the last logged window
  std::vector<double> losses;          // this run's loss at every step it took
  double validation_solved = 0.0;      // exact-verifier solve rate, greedy decoding, all validation tiers
  double validation_cell_accuracy = 0.0;  // fraction of validation blank cells equal to the solution
  int64_t parameters = 0;
  ArTransformerConfig config;          // the architecture trained
};

// The transformer config `s` asks for (vocab ar_vocab(box), max_length ar_max_length(order, box)).
// Throws std::invalid_argument for a bad order or sizes.
ArTransformerConfig ar_config_for(const ArTrainSettings& s);

// The kTrainParameter declarations of `ebm train-ar sudoku`: order, box, params, d-model, layers, heads,
// validation-tiers, train-puzzles, tiers, validation-puzzles (defaults: ArTrainSettings's).
std::vector<ParameterInfo> ar_training_parameters();

// The AR baseline's TrainingRecipe for ebm/trainer.h's run_training. The checkpoint's identity is
// {"kind": "sudoku-ar", "architecture": ArTransformerConfig::to_json() plus "order" and "box",
// "task": "sudoku"}.
// Throws TaskInputError for unreadable parameters and std::invalid_argument for bad values.
// (ArTrainSettings's learning rate default, 3e-4, is not TrainingOptions's: callers choose.)
std::unique_ptr<TrainingRecipe> ar_training_recipe(const TrainingOptions& options, const TaskParameters& parameters);

// Trains, printing progress to `log`; returns the last metrics. A thin wrapper over the recipe and
// run_training(). Throws std::invalid_argument on bad settings and CheckpointError when `resume`
// finds no usable checkpoint.
ArTrainResult train_ar(const ArTrainSettings& settings, std::ostream& log);

}  // namespace ebm::sudoku
