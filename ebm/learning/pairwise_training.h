// Training the pairwise energy (<ebm/pairwise_energy.h>) of any task with categorical answers:
// `ebm train TASK --model pairwise`. Task-neutral: it sees the task's training examples as
// categories (ExampleStream::answer_categories) and nothing else: no rule, unit or constraint list.
//
// Objectives (--pairwise-objective):
//   null-space         (default) closed form, before step 0: fit_null_space on every training
//                      answer (ExampleStream::examples), energy scale --pairwise-scale. The loop's
//                      steps then change nothing (its loss is the pseudo-likelihood, logged, not
//                      optimised): run it with --steps 1.
//   pseudo-likelihood  Adam on pseudo_likelihood_loss + --sparsity x group_sparsity over batches.
//   contrastive        Adam on contrastive_loss(E, answers, negatives) + --sparsity x group_sparsity;
//                      negatives come from a replay buffer of --replay-buffer relaxed answers
//                      (persistent chains): each step takes `batch` of them, re-draws a fraction
//                      --replay-reinit at random (softmax of N(0, 1) logits), moves them
//                      --replay-steps steps of mirror Langevin on the current energy
//                      (y <- softmax(log y - 0.5 dE/dy + 0.1 xi)), and writes them back.
// Validation (every validate_every steps, task-neutral): on the validation answers, the
// pseudo-likelihood loss, the fraction of variables whose most likely category given the others is
// the right one, and the learned interaction graph (strong_pairs: pairs, gap ratio).
// Checkpoint: kind "pairwise-energy", architecture PairwiseShape::to_json(), "task": the task's name.
#pragma once

#include "ebm/pairwise_energy.h"
#include "ebm/trainer.h"

#include <memory>
#include <string>
#include <vector>

namespace ebm {

// The pairwise-* TrainParameter declarations (defaults: the shipped recipe).
std::vector<ParameterInfo> pairwise_training_parameters();

// Throws std::invalid_argument naming the parameter or when the task has no examples / no
// categorical answers.
std::unique_ptr<TrainingRecipe> make_pairwise_training_recipe(const Task& task, const TrainingOptions& options,
                                                              const TaskParameters& parameters);

// A pairwise energy from a checkpoint of kind "pairwise-energy" on `device`, for inference (eval
// mode, no gradients to its parameters). Throws CheckpointError naming the problem.
std::shared_ptr<PairwiseEnergy> load_pairwise_energy(const std::string& path, const torch::Device& device);

}  // namespace ebm
