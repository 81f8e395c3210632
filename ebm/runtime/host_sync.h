// Host synchronisations: the points where the CPU waits for the device's queued work.
//
// On a GPU every such point stalls the pipeline, so a sampler loop should pay for as few as
// possible (the driver: at most one per step; see ebm/samplers/driver.h). They are:
//   - a scalar read: `.item()`, `bool(t)`, `t.equal(u)`             (ATen: _local_scalar_dense, equal)
//   - an output whose size depends on the data: `nonzero`, `masked_select`, boolean indexing,
//     `unique`                                                      (ATen: nonzero, masked_select, _unique*)
//   - a copy from a device tensor to a CPU tensor                    (ATen: copy_ with a CPU destination)
//   - an explicit host_copy() below.
//
// HostSyncCounter counts them on the constructing thread while it lives, through LibTorch's operator
// observer (RecordFunction), so it sees every such call made through ATen by any code on that thread
// (driver, sampler, energy, verifier) without their cooperation. Only the outermost call counts
// (`masked_select` reading a sum inside itself is one). On CPU a "device to host copy" moves nothing
// and dispatches no copy, so host_copy() counts itself when its tensor is already on the CPU: a CPU
// test then sees exactly the reads a GPU run would pay for. Counting slows every operator: use it in
// tests and diagnostics, never in a timed run.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>

namespace ebm {

// `tensor` on the CPU (contiguous), counted as one host synchronisation by a live HostSyncCounter.
torch::Tensor host_copy(const torch::Tensor& tensor);

class HostSyncCounter {
 public:
  HostSyncCounter();   // starts counting on this thread
  ~HostSyncCounter();  // stops
  HostSyncCounter(const HostSyncCounter&) = delete;
  HostSyncCounter& operator=(const HostSyncCounter&) = delete;

  int64_t count() const;  // synchronisations seen so far
  void reset();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ebm
