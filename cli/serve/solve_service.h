// SolveService: what `ebm serve` runs behind HTTP and --stdio. One TaskPool (continuous batching,
// <ebm/samplers/task_pool.h>) per (task, energy, canonical sampler spec), made on first use; at most
// limits.max_pools of them at once besides each task's default (its default energy and sampler, always
// admissible): when a new one is needed at the limit, the pool idle longest (no problem in flight) is
// stopped and dropped, so the limit bounds memory, never availability (only when every pool is busy
// does a new non-default combination get Unavailable, HTTP 503). Pools are keyed by the canonical
// spec, so a spec and its reordering share one. A request that is
// refused (its energy, sampler or problems) leaves nothing behind. A bound on the problems in flight
// over all pools (beyond it: Unavailable); the metrics of /metrics. Thread-safe.
#pragma once

#include "metrics.h"
#include "solve_request.h"
#include "ebm/samplers/task_pool.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace ebm::serve {

// The server cannot take the request now (queue full, shutting down): HTTP 503 with Retry-After.
class Unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ServiceSettings {
  ServeLimits limits;
  int64_t batch_chains = 512;  // capacity of each running batch in chains (continuous batching)
  int64_t workers = 1;         // running batches (threads) per (task, energy, sampler); a request joins
                               // the one with the fewest problems in flight
  uint64_t seed = 0;           // of the requests that name no seed
};

class SolveService {
 public:
  explicit SolveService(ServiceSettings settings);
  ~SolveService();

  using ResultCallback = std::function<void(size_t index, const nlohmann::json& result)>;
  // Queues every problem of `request`; on_result is called once per problem, on a pool's thread.
  // Throws Unavailable (queue full, shutting down, every pool busy at the limit) or BadRequest (an
  // energy, sampler or problems the task refuses, naming the field); then nothing was queued and no
  // pool was made.
  void submit(const SolveRequest& request, const CancellationPtr& cancel, ResultCallback on_result);

  // Stops taking work, waits up to drain_ms for the problems in flight, then cancels the rest
  // (they are answered as "cancelled"), and returns once every problem has been answered.
  void shutdown(double drain_ms);
  bool accepting() const { return accepting_.load(); }

  int64_t outstanding() const { return outstanding_.load(); }
  PoolGauges gauges() const;
  Metrics& metrics() { return metrics_; }
  const ServeLimits& limits() const { return settings_.limits; }
  // GET /v1/tasks: name, summary, energies, default sampler, input format of each task.
  nlohmann::json tasks_json() const;

 private:
  struct Pools {
    std::vector<std::unique_ptr<TaskPool>> workers;
    std::chrono::steady_clock::time_point last_used;
    bool task_default = false;  // the task's default energy and sampler: not counted against max_pools
  };
  // Submits to the key's pools, making them first when there are none (then, if the submission is
  // refused, they are dropped again). Holds mutex_.
  void submit_locked(const SolveRequest& request, PoolSubmission submission);
  // Stops and drops the pool set idle longest; false when every one has problems in flight.
  bool evict_idle_locked();

  ServiceSettings settings_;
  Metrics metrics_;
  std::atomic<bool> accepting_{true};
  std::atomic<int64_t> outstanding_{0};
  mutable std::mutex mutex_;
  std::map<std::string, Pools> pools_;
  PoolStats retired_;  // the statistics of pools dropped, so /metrics counters never go back
};

}  // namespace ebm::serve
