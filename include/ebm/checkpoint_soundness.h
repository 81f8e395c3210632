// Whether a checkpoint's weights look like a trained model, beyond the file being intact: for
// `ebm info FILE` and for tools that vet checkpoints before using them.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace ebm {

// A weight of larger magnitude marks a checkpoint as unsound (no model of this project comes near).
constexpr double kImplausibleWeight = 1e4;

// "has |w| up to 3e+30 (> 1e4)" for a floating tensor beyond kImplausibleWeight, else "". Loaders
// refuse such a tensor (ebm/checkpoint.h).
std::string implausible_magnitude(const torch::Tensor& tensor);

// One line per problem, "" for a sound tensor: "holds NaN or Inf", "is all zero" (more than one value),
// "has |w| up to 3e+30 (> 1e4)". Non-floating tensors are never unsound.
std::string tensor_problem(const torch::Tensor& tensor);

// Every problem of a checkpoint's weights as "tensor 'NAME' <problem>"; empty = sound. Throws
// CheckpointError (ebm/checkpoint.h) when the file itself is not an intact checkpoint.
std::vector<std::string> weight_problems(const std::vector<std::pair<std::string, torch::Tensor>>& tensors);

// Every problem of a checkpoint's metadata as one line; empty = sound: "kind" must be a non-empty
// string, "architecture" an object, and its size fields (layers, hidden, heads, d_model, vocab, box,
// ...) integers within [1, 2^20] (d_ff within [0, 2^20]): "architecture field 'layers' is -1, not an
// integer in [1, 1048576]".
std::vector<std::string> metadata_problems(const nlohmann::json& metadata);

}  // namespace ebm
