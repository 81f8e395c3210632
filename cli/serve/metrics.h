// The server's counters for `GET /metrics`, in the Prometheus text format (version 0.0.4).
// Thread-safe: every method may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace ebm::serve {

// Cumulative histogram with fixed upper bounds in seconds.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  void observe(double seconds);
  // name_bucket{le="..."} lines, name_sum and name_count.
  std::string text(const std::string& name, const std::string& help) const;

 private:
  std::array<int64_t, kBounds.size()> counts_{};
  int64_t count_ = 0;
  double sum_ = 0.0;
};

// Gauges read when /metrics is asked (from the pools).
struct PoolGauges {
  int64_t queue_depth = 0;       // problems waiting to join a batch
  int64_t running_chains = 0;    // rows in the running batches
  int64_t outstanding = 0;       // problems admitted and not yet answered
  double batch_occupancy = 0.0;  // mean chains per step / capacity, over the server's life
  int64_t sampler_steps = 0;
  int64_t chain_steps = 0;       // sum over sampler steps of the chains stepped
  int64_t batch_chains = 0;      // capacity of one batch
  int64_t pools = 0;
};

class Metrics {
 public:
  void request(const std::string& endpoint, int status);  // one per HTTP request or stdio line
  void problem(bool verified, double seconds);            // one per answered problem
  std::string text(const PoolGauges& gauges) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
  int64_t problems_ = 0, solved_ = 0;
  LatencyHistogram latency_;
};

}  // namespace ebm::serve
