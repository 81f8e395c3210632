// What the three reference chain classes keep per chain and report alike: each chain's energy after
// its last step and whether the verifier's check has stopped it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ebm::reference_steps {

class ChainTally {
 public:
  int64_t chains_verified() const { return std::count(done_.begin(), done_.end(), uint8_t(1)); }
  // Mean energy over chains after the last step (a checksum that the arithmetic ran).
  double mean_energy() const {
    double total = 0.0;
    for (double e : energy_) total += e;
    return energy_.empty() ? 0.0 : total / double(energy_.size());
  }

 protected:
  // `steps` steps, each stepping every chain still running in turn: step_chain(k); step_ counts them.
  template <class StepChain>
  void run_steps(int64_t steps, StepChain&& step_chain) {
    for (int64_t s = 0; s < steps; ++s, ++step_)
      for (size_t k = 0; k < done_.size(); ++k)
        if (!done_[k]) step_chain(static_cast<int64_t>(k));
  }

  explicit ChainTally(int64_t chains) : energy_(std::max<int64_t>(chains, 0), 0.0), done_(std::max<int64_t>(chains, 0), 0) {}  // chains < 1: refused by the derived class
  std::vector<double> energy_;
  std::vector<uint8_t> done_;
  int64_t step_ = 0;  // steps done
};

}  // namespace ebm::reference_steps
