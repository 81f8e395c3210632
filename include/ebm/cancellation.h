// CancellationToken: how another thread (a server whose client hung up, a user's Ctrl-C handler, a
// deadline timer) stops a solve that is running. The driver and the continuous pool read the token
// before every sampler step, so a cancelled solve ends within one step and returns what it has:
// each problem's best state so far, `verified` only where the exact verifier already accepted it.
//
// Thread safety: cancel() and cancelled() may be called from any thread at any time.
#pragma once

#include <atomic>
#include <memory>

namespace ebm {

class CancellationToken {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

using CancellationPtr = std::shared_ptr<CancellationToken>;

// True when `token` is set and cancelled (a null token is never cancelled).
inline bool is_cancelled(const CancellationPtr& token) { return token && token->cancelled(); }

}  // namespace ebm
