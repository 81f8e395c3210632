#include "ebm/runtime/host_sync.h"

#include <ATen/record_function.h>

#include <cstring>
#include <stdexcept>

namespace ebm {

namespace {

// The counter live on this thread (one at a time), and how deep we are inside a counted operator.
thread_local int64_t* active_count = nullptr;
thread_local int counted_depth = 0;

bool is_sync_operator(const at::RecordFunction& fn) {
  static const char* const names[] = {"aten::_local_scalar_dense", "aten::equal", "aten::nonzero",
                                      "aten::masked_select", "aten::_unique", "aten::_unique2",
                                      "aten::unique_dim", "aten::unique_consecutive"};
  const char* name = fn.name();
  for (const char* n : names)
    if (std::strcmp(name, n) == 0) return true;
  if (std::strcmp(name, "aten::copy_") == 0) {  // copy_(self = destination, src)
    auto inputs = fn.inputs();
    return inputs.size() >= 2 && inputs[0].isTensor() && inputs[1].isTensor() && inputs[0].toTensor().is_cpu() &&
           !inputs[1].toTensor().is_cpu();
  }
  return false;
}

struct CountedCall : at::ObserverContext {};

std::unique_ptr<at::ObserverContext> on_enter(const at::RecordFunction& fn) {
  if (!active_count || !is_sync_operator(fn)) return nullptr;
  if (counted_depth++ == 0) ++*active_count;
  return std::make_unique<CountedCall>();
}

void on_exit(const at::RecordFunction&, at::ObserverContext* context) {
  if (context) --counted_depth;
}

}  // namespace

struct HostSyncCounter::State {
  int64_t count = 0;
  at::CallbackHandle handle = 0;
};

torch::Tensor host_copy(const torch::Tensor& tensor) {
  if (tensor.is_cpu()) {
    if (active_count && counted_depth == 0) ++*active_count;
    return tensor.contiguous();
  }
  return tensor.to(torch::kCPU).contiguous();  // counted by the observer (copy_ to the CPU)
}

HostSyncCounter::HostSyncCounter() : state_(std::make_unique<State>()) {
  if (active_count) throw std::logic_error("HostSyncCounter: one counter per thread at a time");
  active_count = &state_->count;
  state_->handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(on_enter, on_exit).needsInputs(true).scopes({at::RecordScope::FUNCTION}));
}

HostSyncCounter::~HostSyncCounter() {
  at::removeCallback(state_->handle);
  active_count = nullptr;
  counted_depth = 0;
}

int64_t HostSyncCounter::count() const { return state_->count; }

void HostSyncCounter::reset() { state_->count = 0; }

}  // namespace ebm
