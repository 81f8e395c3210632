#include "bench/reference_steps/sudoku_reference.h"

#include "ebm/runtime/fast_math.h"
#include "ebm/runtime/noise_kernels.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ebm::reference_steps {

using fast_math::fast_exp;
using fast_math::fast_log;

namespace {

constexpr float kLogFloor = -27.631021f;  // log(1e-12): the tensor path's clamp_min(1e-12) before log
constexpr double kStep = 1.0, kNoise = 0.2;
constexpr int64_t kPeriod = 400, kVerifyEvery = 5;
constexpr double kWeightStart = -0.3, kWeightEnd = 0.6;

double annealed_weight(int64_t step) {
  return kWeightStart + (kWeightEnd - kWeightStart) * double(step % kPeriod) / double(kPeriod - 1);
}

// log p[c,:] <- x[c,:] - log sum exp x[c,:]; p <- exp of it. x overwritten; n values per cell.
void softmax_cell(float* x, float* log_p, float* p, int n) {
  float top = x[0];
  for (int d = 1; d < n; ++d) top = std::max(top, x[d]);
  float total = 0.0f;
  for (int d = 0; d < n; ++d) {
    x[d] -= top;
    p[d] = fast_exp(x[d]);
    total += p[d];
  }
  const float log_total = std::log(total), inverse = 1.0f / total;
  for (int d = 0; d < n; ++d) {
    log_p[d] = x[d] - log_total;
    p[d] *= inverse;
  }
}

}  // namespace

SudokuReferenceChains::SudokuReferenceChains(const std::vector<int>& puzzle, int box, int64_t chains, uint64_t seed)
    : ChainTally(chains), box_(box), n_(box * box), cells_(n_ * n_), seed_(seed) {
  if (box < 2 || box > 4 || static_cast<int>(puzzle.size()) != cells_)
    throw std::invalid_argument("sudoku reference: " + std::to_string(puzzle.size()) + " cells for box " +
                                std::to_string(box));
  if (chains < 1) throw std::invalid_argument("sudoku reference: chains must be >= 1");
  const int64_t values = int64_t(cells_) * n_;
  for (int cell = 0; cell < cells_; ++cell) {
    const int r = cell / n_, c = cell % n_;
    units_.push_back({r, n_ + c, 2 * n_ + (r / box) * box + c / box});
  }
  free_.resize(cells_);
  log_p_.assign(chains * values, 0.0f);
  p_.assign(chains * values, 0.0f);
  z_.resize(values);
  const auto& kernels = noise_kernels::best_kernels();
  for (int64_t k = 0; k < chains; ++k) {
    kernels.normal_f32(z_.data(), values, seed_, noise_block_);
    noise_block_ += noise_kernels::blocks_for(values, false);
    for (int c = 0; c < cells_; ++c) {
      float* log_p = &log_p_[k * values + int64_t(c) * n_];
      float* p = &p_[k * values + int64_t(c) * n_];
      free_[c] = puzzle[c] == 0;
      if (free_[c]) {
        std::copy_n(&z_[int64_t(c) * n_], n_, log_p);
        softmax_cell(log_p, log_p, p, n_);
      } else {
        for (int d = 0; d < n_; ++d) p[d] = d + 1 == puzzle[c] ? 1.0f : 0.0f, log_p[d] = p[d] > 0 ? 0.0f : kLogFloor;
      }
    }
  }
}

double SudokuReferenceChains::step_chain(float* log_p, float* p, const float* z, double weight) const {
  const int n = n_, cells = cells_;
  float residual[3 * 16 * 16];  // [3N units][N digits], N <= 16
  std::fill_n(residual, 3 * n * n, -1.0f);
  double purity = 0.0;
  for (int c = 0; c < cells; ++c) {
    const UnitsOfCell& u = units_[c];
    const float* __restrict pc = p + c * n;
    float* __restrict row = residual + u.row * n;
    float* __restrict col = residual + u.col * n;
    float* __restrict box = residual + u.box * n;
    float squares = 0.0f;
    for (int d = 0; d < n; ++d) {
      row[d] += pc[d];
      col[d] += pc[d];
      box[d] += pc[d];
      squares += pc[d] * pc[d];
    }
    purity += 1.0 - squares;
  }
  double squared_residuals = 0.0;
  for (int i = 0; i < 3 * n * n; ++i) squared_residuals += double(residual[i]) * residual[i];

  // The move, in passes over all values so that the exponentials vectorise: x = the mirror step's
  // argument shifted by its cell's maximum, then e^x, then each cell's normaliser.
  const float w = float(weight), eta = float(kStep), sigma = float(kNoise);
  float x[16 * 16 * 16], log_total[16 * 16], inverse[16 * 16];
  for (int c = 0; c < cells; ++c) {
    float* xc = x + c * n;
    if (!free_[c]) {
      std::fill_n(xc, n, 0.0f);
      continue;
    }
    const UnitsOfCell& u = units_[c];
    const float *lc = log_p + c * n, *pc = p + c * n, *zc = z + c * n;
    const float *rr = residual + u.row * n, *rc = residual + u.col * n, *rb = residual + u.box * n;
    float top = -3.0e38f;
    for (int d = 0; d < n; ++d) {
      const float gradient = 2.0f * (rr[d] + rc[d] + rb[d]) - 2.0f * w * pc[d];
      const float log_floored = lc[d] > kLogFloor ? lc[d] : kLogFloor;  // value selects vectorise; std::max does not
      xc[d] = log_floored + sigma * zc[d] - eta * gradient;
      top = xc[d] > top ? xc[d] : top;
    }
    for (int d = 0; d < n; ++d) xc[d] -= top;
  }
  float e[16 * 16 * 16];
  const int values = cells * n;
  for (int i = 0; i < values; ++i) e[i] = fast_exp(x[i]);
  for (int c = 0; c < cells; ++c) {
    float total = 0.0f;
    for (int d = 0; d < n; ++d) total += e[c * n + d];
    log_total[c] = fast_log(total);
    inverse[c] = 1.0f / total;
  }
  for (int c = 0; c < cells; ++c) {
    if (!free_[c]) continue;
    for (int d = 0; d < n; ++d) {
      log_p[c * n + d] = x[c * n + d] - log_total[c];
      p[c * n + d] = e[c * n + d] * inverse[c];
    }
  }
  return squared_residuals + weight * purity;
}

bool SudokuReferenceChains::verified(int64_t chain) const {
  const int64_t values = int64_t(cells_) * n_;
  const float* p = &p_[chain * values];
  uint32_t seen[3 * 16] = {};
  for (int c = 0; c < cells_; ++c) {
    const float* pc = p + int64_t(c) * n_;
    const int digit = int(std::max_element(pc, pc + n_) - pc);
    const UnitsOfCell& u = units_[c];
    for (int unit : {u.row, u.col, u.box}) {
      if (seen[unit] & (1u << digit)) return false;
      seen[unit] |= 1u << digit;
    }
  }
  return true;
}

void SudokuReferenceChains::run(int64_t steps) {
  const int64_t values = int64_t(cells_) * n_;
  const auto& kernels = noise_kernels::best_kernels();
  run_steps(steps, [&](int64_t k) {
    kernels.normal_f32(z_.data(), values, seed_, noise_block_);
    noise_block_ += noise_kernels::blocks_for(values, false);
    energy_[k] = step_chain(&log_p_[k * values], &p_[k * values], z_.data(), annealed_weight(step_));
    if ((step_ + 1) % kVerifyEvery == 0 && verified(k)) done_[k] = 1;
  });
}

}  // namespace ebm::reference_steps
