// Training the attention energy (<ebm/attention_energy.h>) of any task with categorical answers:
// `ebm train TASK --model attention`. Task-neutral: it sees the task's training examples, their
// answers as categories (ExampleStream::answer_categories) and their problems' givens as the clamp
// of Task::encode; no rule, unit or constraint list.
//
// Objective: denoising gradient matching (ebm/learning/training_objectives.h). Each step draws
// `batch` examples (ExampleStream::batch); the free entries of the one-hot answer y* are corrupted
//   y~ = (1 - t) y* + t softmax(2 z),  t ~ U(--t-min, 1) per example,  z ~ N(0, I)
// (givens stay y*), and the energy learns dE/dy(y~) = y~ - y* on the free entries: its gradient points
// from any relaxed answer towards the solution, which the mirror-descent samplers follow.
// Validation (task-neutral): the same loss on the validation examples (seeded corruption), and the
// fraction of free variables whose lowest-gradient category at the uniform answer (t = 1) is right.
// Checkpoint: kind "attention-energy", architecture AttentionShape::to_json(), "task": the task's name.
#pragma once

#include "ebm/attention_energy.h"
#include "ebm/trainer.h"

#include <memory>
#include <string>
#include <vector>

namespace ebm {

// The attention-* and t-min TrainParameter declarations (defaults: the shipped recipe).
std::vector<ParameterInfo> attention_training_parameters();

// Throws std::invalid_argument naming the parameter, or when the task has no examples or no
// categorical answers.
std::unique_ptr<TrainingRecipe> make_attention_training_recipe(const Task& task, const TrainingOptions& options,
                                                               const TaskParameters& parameters);

// An attention energy from a checkpoint of kind "attention-energy" on `device`, for inference (eval
// mode, parameters frozen). Throws CheckpointError naming the problem.
std::shared_ptr<AttentionEnergy> load_attention_energy(const std::string& path, const torch::Device& device);

}  // namespace ebm
