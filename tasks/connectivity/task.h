// The "connectivity" task (IRED's graph connectivity, its "connectivity-2" data): given an undirected
// graph, answer which pairs of nodes a path joins.
//
// Data: DNC graphs (tasks/tensor/graphs.h) with out-degree bound max(1, int(0.2 n)), symmetrised;
// n = 12 nodes in the train, validation and test splits, n = 18 in the harder split (the graphs
// IRED evaluates its 12-node model on; out-degree bound 3 there).
// condition [n, n]: the 0/1 adjacency (symmetric, zero diagonal; files are refused otherwise).
// answer: the connectivity matrix C (C_ij = 1 where a path joins i and j; C_ii = 1) as one-hot rows,
// one_hot(n*n, 2): row i*n + j is [1, 0] (not connected) or [0, 1] (connected).
// Verifier: exact, from the condition alone (breadth-first search); the driver may stop a chain once
// it is right. Measure: "accuracy", the fraction of the n*n entries equal to C (IRED's metric); the
// harness's solve rate counts whole matrices right.
// AR tokens (vocabulary 3: 0, 1, SEP = 2): prompt = the adjacency's upper triangle (i < j, row-major)
// as bits, then SEP; answer = C's upper triangle as bits (n(n-1)/2 tokens). The decoder fills the
// diagonal with 1 and mirrors the triangle, which the answer's definition implies (no repair).
#pragma once

#include "ebm/task.h"

namespace ebm::connectivity {

TaskPtr make_task();

}  // namespace ebm::connectivity
