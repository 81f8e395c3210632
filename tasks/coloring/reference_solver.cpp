#include "tasks/coloring/reference_solver.h"

#include "ebm/runtime/stopwatch.h"

#include <algorithm>
#include <vector>

namespace ebm::coloring {

namespace {

class DsaturSearch {
 public:
  DsaturSearch(const Graph& graph, double budget_ms)
      : graph_(graph),
        neighbours_(graph.vertices),
        color_(graph.vertices, -1),
        blocked_(graph.vertices, std::vector<int32_t>(graph.colors, 0)),
        saturation_(graph.vertices, 0),
        budget_ms_(budget_ms),
        start_(Clock::now()) {
    for (const auto& [u, v] : graph.edges) neighbours_[u].push_back(v), neighbours_[v].push_back(u);
  }

  DsaturStatus run() {
    if (graph_.colors < 1) return graph_.vertices == 0 ? DsaturStatus::Colorable : DsaturStatus::Uncolorable;
    if (extend(graph_.vertices, 0)) return DsaturStatus::Colorable;
    return timed_out_ ? DsaturStatus::TimedOut : DsaturStatus::Uncolorable;
  }
  const std::vector<int32_t>& colors() const { return color_; }
  int64_t nodes() const { return nodes_; }

 private:
  int32_t next_vertex() const {
    int32_t best = -1, best_free_degree = -1;
    for (int32_t v = 0; v < graph_.vertices; ++v) {
      if (color_[v] >= 0) continue;
      if (best >= 0 && saturation_[v] < saturation_[best]) continue;
      int32_t free_degree = 0;
      for (int32_t w : neighbours_[v]) free_degree += color_[w] < 0;
      if (best < 0 || saturation_[v] > saturation_[best] || free_degree > best_free_degree)
        best = v, best_free_degree = free_degree;
    }
    return best;
  }

  void assign(int32_t v, int32_t c, int32_t delta) {
    color_[v] = delta > 0 ? c : -1;
    for (int32_t w : neighbours_[v]) {
      int32_t& count = blocked_[w][c];
      if (delta > 0 && count++ == 0) ++saturation_[w];
      if (delta < 0 && --count == 0) --saturation_[w];
    }
  }

  bool out_of_time() {
    if (budget_ms_ <= 0 || (nodes_ & 1023) != 0) return timed_out_;
    const double ms = milliseconds_since(start_);
    return timed_out_ = timed_out_ || ms > budget_ms_;
  }

  // Colours the remaining `uncolored` vertices with colours 0..K-1, `used` of them opened so far.
  bool extend(int32_t uncolored, int32_t used) {
    if (uncolored == 0) return true;
    const int32_t v = next_vertex();
    const int32_t limit = std::min(graph_.colors, used + 1);
    for (int32_t c = 0; c < limit; ++c) {
      if (blocked_[v][c] > 0) continue;
      ++nodes_;
      if (out_of_time()) return false;
      assign(v, c, +1);
      if (extend(uncolored - 1, std::max(used, c + 1))) return true;
      assign(v, c, -1);
      if (timed_out_) return false;
    }
    return false;
  }

  const Graph& graph_;
  std::vector<std::vector<int32_t>> neighbours_;
  std::vector<int32_t> color_;
  std::vector<std::vector<int32_t>> blocked_;  // [v][c]: neighbours of v coloured c
  std::vector<int32_t> saturation_;            // distinct colours among v's neighbours
  double budget_ms_;
  Clock::time_point start_;
  int64_t nodes_ = 0;
  bool timed_out_ = false;
};

}  // namespace

DsaturResult dsatur_color(const Graph& graph, double budget_ms) {
  const auto start = Clock::now();
  DsaturSearch search(graph, budget_ms);
  DsaturResult result;
  result.status = search.run();
  result.nodes = search.nodes();
  if (result.status == DsaturStatus::Colorable) result.coloring.color = search.colors();
  result.ms = milliseconds_since(start);
  return result;
}

}  // namespace ebm::coloring
