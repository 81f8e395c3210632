// A hand-fused reference of SAT's default chain step (issue 19, item 1): the arithmetic of
//
//   anneal:t_start=0.2,t_end=0.2/gwg:chains=16            (tasks/sat/sat_task.cpp, kDefaultSampler)
//
// on the clause energy E(y) = sum_c prod_{l in c} q[l], q[l] = P(literal l is false) read straight from the
// one-hot state y [V][2] (tasks/sat/energies.h), one pass over the clauses per chain and step, no LibTorch.
// The yardstick `ebm bench chains --task sat` prints beside the driver; never a solver.
//
// One step of one chain, as samplers/categorical_moves.cpp does it (T = 0.2, scale = 0.5):
//   logit[v]  = scale * -(G[v][other] - G[v][current]) / T        (first-order gain of flipping v)
//   v*        = argmax_v logit[v] - log(-log u[v])                (Gumbel-max; 2V uniforms drawn, as the driver)
//   y'        = y with v* flipped; E', G' from one pass over the clauses
//   log alpha = -(E' - E) / T + (logit'[v*] - logsumexp logit') - (logit[v*] - logsumexp logit)
//   accept when u < min(1, e^alpha); the verifier's check every step is E == 0 (exact on one-hot states).
// Uniforms come from the driver's Philox kernels (ebm/runtime/noise_kernels.h); exp and log are the
// polynomials of ebm/runtime/fast_math.h.
#pragma once

#include "bench/reference_steps/chain_tally.h"

#include <cstdint>
#include <vector>

namespace ebm::reference_steps {

class SatReferenceChains : public ChainTally {
 public:
  // clauses: DIMACS literals (+v / -v, v in 1..variables), each clause's variables distinct. Chains start
  // from uniformly random assignments, as the driver's one-hot chains do. Throws std::invalid_argument for
  // a literal out of range or an empty formula.
  SatReferenceChains(int variables, const std::vector<std::vector<int>>& clauses, int64_t chains, uint64_t seed);

  void run(int64_t steps);
  // E(y) and dE/dy [V][2] (row-major) of a state y [V][2]; the pass every step makes. Tests compare it with
  // the tensor path.
  double energy_and_gradient(const float* y, float* gradient) const;


 private:
  void step_chain(int64_t chain);

  int variables_;
  std::vector<int32_t> literal_column_;  // per clause slot: 2(v-1) for +v, 2(v-1)+1 for -v (= the y index)
  std::vector<int32_t> clause_start_;    // clause c's slots: [clause_start_[c], clause_start_[c+1])
  uint64_t seed_, noise_block_ = 0;
  std::vector<float> y_, gradient_, proposal_, proposal_gradient_, uniforms_, logits_;
  mutable std::vector<float> prefix_;  // scratch of energy_and_gradient: the longest clause's prefix products
};

}  // namespace ebm::reference_steps
