// A hand-fused reference of Sudoku's default chain step (issue 19, item 1): the arithmetic of
//
//   anneal:weight_term=1,weight_start=-0.3,weight_end=0.6,period=400/
//   langevin:mirror=true,step=1.0,noise=0.2,chains=16,verify_every=5,track_best=false
//
// on E(p) = sum_{unit u, digit d} (sum_{c in u} p[c,d] - 1)^2 + w(t) sum_c (1 - sum_d p[c,d]^2), written as
// one pass over each chain's N*N x N values with no LibTorch and no allocation in the step. It is the
// yardstick `ebm bench chains` prints beside the driver's time per chain-step: what the machine can do
// for this step, not a solver (it finds nothing the driver would not; it is never used to solve).
//
// One step, per chain, exactly as the tensor path (samplers/langevin.cpp, samplers/gradient_descent.cpp):
//   w       = -0.3 + 0.9 * (t mod 400) / 399                       (the annealed purity weight)
//   r[u,d]  = sum_{c in u} p[c,d] - 1                               (unit residuals, rows, columns, boxes)
//   g[c,d]  = 2 (r[row c,d] + r[col c,d] + r[box c,d]) - 2 w p[c,d] (closed-form gradient)
//   E       = sum r^2 + w sum_c (1 - sum_d p[c,d]^2)                (kept per chain, as the driver keeps it)
//   x[c,d]  = max(log p[c,d], log 1e-12) + 0.2 z[c,d] - 1.0 g[c,d]  (free cells; z ~ N(0,1))
//   p[c,:]  = softmax(x[c,:])                                      (the mirror step; givens stay one-hot)
//   every 5th step: each cell's argmax checked against every unit (the verifier's cadence).
// The normals come from the same Philox kernels as the driver's NoiseSource (ebm/runtime/noise_kernels.h),
// one fill per chain and step. The state is kept as log-probabilities, so the log of the mirror step is
// free (log p is what the step produced); exp is a polynomial (2^k e^r, |r| <= ln 2 / 2, 2e-7 relative).
#pragma once

#include "bench/reference_steps/chain_tally.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ebm::reference_steps {

class SudokuReferenceChains : public ChainTally {
 public:
  // puzzle: N*N cells row-major, 0 = blank, 1..N = given; box = sqrt(N). Every free cell starts at the
  // softmax of N(0, 1) logits, as the driver's chains do (AnswerSpace::random_init). Throws std::invalid_argument for a size that is not (box^2)^2.
  SudokuReferenceChains(const std::vector<int>& puzzle, int box, int64_t chains, uint64_t seed);

  // `steps` more steps of every chain (chains found valid stop, as in the driver).
  void run(int64_t steps);
  // One step of one chain's state (cells x N log-probabilities and probabilities, row-major) given its
  // normals z (same size) and the purity weight w, with this puzzle's free cells (givens are left as
  // they are). Returns E before the move. This is the step run() applies; tests compare it with the
  // tensor path.
  double step_chain(float* log_p, float* p, const float* z, double weight) const;

 private:
  bool verified(int64_t chain) const;

  struct UnitsOfCell {
    int row, col, box;  // the cell's three units among the 3N (rows 0..N-1, columns N.., boxes 2N..)
  };
  int box_, n_, cells_;
  std::vector<UnitsOfCell> units_;
  uint64_t seed_, noise_block_ = 0;
  std::vector<uint8_t> free_;
  std::vector<float> log_p_, p_, z_;
};

}  // namespace ebm::reference_steps
