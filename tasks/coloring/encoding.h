// Graphs <-> tensors for the sampler driver.
//
//   states     [B, V, K]       one simplex (relaxed) or one-hot row of K colours per vertex
//   edges      int64 [B, E_max, 2]  0-based ends of each graph's edges; graphs with fewer edges are
//                              padded with (V, V), which every consumer ignores
//   decoded    int64 [B, V]    colour 0..K-1 per vertex (argmax of a state)
// Graphs of one batch share V and K (Task::batchable).
#pragma once

#include "ebm/answer_space.h"
#include "tasks/coloring/graph.h"

#include <torch/types.h>

#include <vector>

namespace ebm::coloring {

// Padded edge lists of `graphs` (all with the same vertex count; std::invalid_argument otherwise).
torch::Tensor edge_lists(const std::vector<const Graph*>& graphs);

// The answer space of V vertices with K colours: Categorical (relaxed) or OneHot.
AnswerSpace coloring_space(int64_t vertices, int64_t colors, AnswerKind kind);

// Conflicting edges of decoded colourings [n, V] under `edges` [n, E_max, 2] -> float [n].
torch::Tensor conflict_counts(const torch::Tensor& decoded, const torch::Tensor& edges);

// True where decoded[i] colours no edge of edges[i] with one colour at both ends -> bool [n].
torch::Tensor proper_colorings(const torch::Tensor& decoded, const torch::Tensor& edges);

}  // namespace ebm::coloring
