// Loading a TensorTask's trained models, and the feed-forward baseline as a harness Solver.
//
// Checkpoints (ebm/checkpoint.h) carry {"kind": checkpoint_kind(task, kind), "architecture": the
// network's architecture(), "task": NAME}; the task's factory rebuilds the network from the
// architecture before the weights are loaded, so a checkpoint of another task, kind or shape is
// refused with a CheckpointError naming the difference.
#pragma once

#include "ebm/learning/landscape_energy.h"
#include "ebm/solver.h"
#include "tasks/tensor/tensor_task.h"

#include <memory>
#include <string>
#include <vector>

namespace ebm::tensor {

// For inference: eval mode, parameters frozen.
std::shared_ptr<LandscapeEnergy> load_energy(const TensorTask& task, const std::string& path, const torch::Device& device);
std::shared_ptr<Regressor> load_feedforward(const TensorTask& task, const std::string& path, const torch::Device& device);

// The prediction of a feed-forward network as an answer tensor: real values as they are; one-hot
// answers as the one-hot of the largest logit per variable.
torch::Tensor answers_from_prediction(const AnswerSpace& space, const torch::Tensor& prediction);

// "feedforward[:MODEL]"; null for other specs.
std::unique_ptr<Solver> make_model_solver(const TensorTask& task, const std::string& spec, const SolverContext& context);

}  // namespace ebm::tensor
