// A hand-fused reference of graph colouring's default chain step (issue 19, item 1): the arithmetic of
//
//   tabu:chains=16,focus=true,verify_every=1,verify_below=0.5,track_best=false   (tasks/coloring/task.cpp)
//
// on the conflict energy E(y) = sum_{edges (u, v)} <y_u, y_v> over one-hot states (tasks/coloring/energies.h),
// one pass over the edges per chain and step, no LibTorch. The yardstick `ebm bench chains --task coloring`
// prints beside the driver; never a solver.
//
// One step of one chain, as samplers/tabu_descent.cpp does it (tenure 10, tenure_random 10, tenure_energy
// 0.6, noise 0.1, aspiration on), with G = dE/dy (G[v][k] = neighbours of v coloured k):
//   gain[v][k]  = G[v][current v] - G[v][k]                   (energy saved by recolouring v with k)
//   allowed     = v in conflict (G[v][current v] > 0: focus), k != current v and (tabu_until[v][k] <= t or
//                 E - gain < best E - 0.5e-3); none: any such change ignoring the tenures
//   (v*, k*)    = argmax over allowed of gain - 0.1 log(-log u)    (V*K uniforms, as the driver)
//   tabu_until[v*][current v*] = t + 10 + floor(0.6 E) + floor(10 u')
//   recolour v* with k*, then E and G from one pass over the edges; best E = min(best E, E)
//   the verifier's check every step is E == 0 (exact on one-hot states).
#pragma once

#include "bench/reference_steps/chain_tally.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace ebm::reference_steps {

class ColoringReferenceChains : public ChainTally {
 public:
  // edges: 0-based vertex pairs; colors K >= 2. Chains start from uniformly random colourings, as the
  // driver's one-hot chains do. Throws std::invalid_argument for a vertex out of range.
  ColoringReferenceChains(int vertices, int colors, const std::vector<std::pair<int, int>>& edges, int64_t chains,
                          uint64_t seed);

  void run(int64_t steps);
  // E and G [V][K] (row-major) of a colouring (color[v] in 0..K-1); the pass every step makes, in the
  // float arithmetic of the tensor path. Tests compare it with that path.
  double energy_and_gradient(const int32_t* color, float* gradient) const;


 private:
  void step_chain(int64_t chain);

  int vertices_, colors_;
  std::vector<int32_t> edge_ends_;  // u0, v0, u1, v1, ...
  uint64_t seed_, noise_block_ = 0;
  std::vector<int32_t> color_;
  std::vector<float> gradient_, tabu_until_, uniforms_;
  std::vector<double> best_energy_;
};

}  // namespace ebm::reference_steps
