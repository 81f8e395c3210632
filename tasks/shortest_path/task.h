// The "shortest-path" task (IRED's planning on graphs): given a directed graph, a start and a goal,
// answer a plan of T = 8 steps that walks a shortest path from the start to the goal and stays there.
//
// Data: directed DNC graphs (tasks/tensor/graphs.h) with out-degree bound int(0.5 n) (IRED's
// GraphPathEnv, p = 0.5); a distance d is drawn uniform in {2, 3, 4}, then graphs are drawn until one
// has a (start, goal) pair at hop distance d, and one such pair is picked uniformly. n = 15 nodes in
// the train, validation and test splits, n = 25 in the harder split (the paper's 15 -> 25).
// condition [n, n + 2]: row i = (adjacency row i: 1 where i -> j, then start_i, then goal_i), the
// adjacency 0/1 with a zero diagonal, start and goal one-hot columns (files are refused otherwise).
// answer: one_hot(T, n), step t = the node reached after t + 1 moves: the reference is a shortest
// path drawn uniformly move by move (as IRED's oracle does), then the goal repeated.
// Verifier: exact, from the condition alone: every move follows an edge and shortens the hop distance
// to the goal by one until the goal is reached (after exactly d moves), and later steps stay there.
// Several shortest paths often exist; every one of them verifies.
// Measures: "first_action_success" (IRED's reported metric: the first move is an edge and lands
// closer to the goal) and "accuracy" (the fraction of the T steps equal to the reference plan's:
// a different shortest path scores below 1 though it verifies).
// AR tokens (vocabulary 3 + 25: bits 0 and 1, SEP = 2, node v = 3 + v for v < 25): prompt = the
// adjacency's off-diagonal entries (row-major) as bits, start node, goal node, SEP; answer = the T
// step nodes. Graphs of more than 25 nodes cannot be tokenised (refused with a message).
#pragma once

#include "ebm/task.h"

namespace ebm::shortest_path {

TaskPtr make_task();

}  // namespace ebm::shortest_path
