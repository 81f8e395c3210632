// Loading a learned module for inference from a checkpoint whose architecture is a shape struct
// (PairwiseShape, AttentionShape: static from_json, to_json, parameter_count()).
#pragma once

#include "ebm/checkpoint.h"

#include <torch/types.h>

#include <memory>
#include <string>

namespace ebm {

// The module of checkpoint `path` (kind `kind`, architecture Shape::from_json of its metadata) on
// `device`: eval mode, parameters frozen (requires_grad off: only dE/dy is wanted). Throws
// CheckpointError naming the problem: another kind, a bad architecture, weights that do not fit.
template <typename Module, typename Shape>
std::shared_ptr<Module> load_frozen_model(const std::string& path, const char* kind, const torch::Device& device) {
  auto metadata = read_checkpoint_metadata(path);
  require_checkpoint_kind(path, metadata, kind);
  Shape shape;
  try {
    shape = Shape::from_json(metadata.at("architecture"));
  } catch (const std::exception& e) {
    throw CheckpointError(path, e.what());
  }
  require_weights_fit(path, double(shape.parameter_count()));
  auto module = std::make_shared<Module>(shape);
  load_checkpoint(path, *module, {kind, shape.to_json()}, device);
  module->eval();
  for (auto& p : module->parameters()) p.requires_grad_(false);
  return module;
}

}  // namespace ebm
