// Placeholder until the AR baseline of tensor tasks lands (being written on branch `tensor-ar`).
#include "tasks/tensor/ar.h"

#include <stdexcept>

namespace ebm::tensor {

std::unique_ptr<TrainingRecipe> make_ar_training_recipe(const TensorTask& task, const TrainingOptions&,
                                                        const TaskParameters&) {
  throw std::invalid_argument("train: the AR baseline of task '" + task.name() + "' is not built yet");
}

std::unique_ptr<Solver> make_ar_solver(const TensorTask&, const std::string&, const SolverContext&) { return nullptr; }

}  // namespace ebm::tensor
