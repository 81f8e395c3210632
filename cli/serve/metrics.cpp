#include "metrics.h"

#include <sstream>

namespace ebm::serve {

void LatencyHistogram::observe(double seconds) {
  for (size_t i = 0; i < kBounds.size(); ++i)
    if (seconds <= kBounds[i]) ++counts_[i];
  ++count_;
  sum_ += seconds;
}

std::string LatencyHistogram::text(const std::string& name, const std::string& help) const {
  std::ostringstream out;
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " histogram\n";
  for (size_t i = 0; i < kBounds.size(); ++i) out << name << "_bucket{le=\"" << kBounds[i] << "\"} " << counts_[i] << "\n";
  out << name << "_bucket{le=\"+Inf\"} " << count_ << "\n" << name << "_sum " << sum_ << "\n" << name << "_count " << count_ << "\n";
  return out.str();
}

void Metrics::request(const std::string& endpoint, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{endpoint, status}];
}

void Metrics::problem(bool verified, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++problems_;
  solved_ += verified ? 1 : 0;
  latency_.observe(seconds);
}

std::string Metrics::text(const PoolGauges& gauges) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::ostringstream out;
  auto gauge = [&](const char* name, const char* help, double value) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n" << name << " " << value << "\n";
  };
  auto counter = [&](const char* name, const char* help, double value) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n" << name << " " << value << "\n";
  };
  out << "# HELP ebm_requests_total Requests answered, by endpoint and HTTP status.\n# TYPE ebm_requests_total counter\n";
  for (const auto& [key, count] : requests_)
    out << "ebm_requests_total{endpoint=\"" << key.first << "\",code=\"" << key.second << "\"} " << count << "\n";
  counter("ebm_problems_total", "Problems answered (every status).", double(problems_));
  counter("ebm_problems_solved_total", "Problems answered with verified = true.", double(solved_));
  counter("ebm_sampler_steps_total", "Sampler steps taken by the running batches.", double(gauges.sampler_steps));
  counter("ebm_chain_steps_total", "Chains stepped, summed over sampler steps (occupancy = d(this) / d(steps) / capacity).",
          double(gauges.chain_steps));
  gauge("ebm_batch_capacity_chains", "Capacity of one running batch in chains.", double(gauges.batch_chains));
  gauge("ebm_queue_depth", "Problems waiting to join a running batch.", double(gauges.queue_depth));
  gauge("ebm_running_chains", "Chains in the running batches.", double(gauges.running_chains));
  gauge("ebm_outstanding_problems", "Problems admitted and not yet answered.", double(gauges.outstanding));
  gauge("ebm_batch_occupancy", "Mean chains per sampler step over the batch capacity, since start.", gauges.batch_occupancy);
  gauge("ebm_pools", "Running batches: one per (task, energy, sampler, answer shape).", double(gauges.pools));
  out << latency_.text("ebm_problem_latency_seconds", "Time from a request's arrival to its problem's answer.");
  return out.str();
}

}  // namespace ebm::serve
