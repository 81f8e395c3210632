#include "tasks/coloring/generator.h"

#include "ebm/task.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <unordered_set>

namespace ebm::coloring {

int64_t FlatGraphSpec::edge_count() const { return edges >= 0 ? edges : std::llround(2.395 * vertices); }

namespace {

int64_t possible_edges(const std::vector<int64_t>& class_sizes) {
  int64_t total = 0;
  for (size_t a = 0; a < class_sizes.size(); ++a)
    for (size_t b = a + 1; b < class_sizes.size(); ++b) total += class_sizes[a] * class_sizes[b];
  return total;
}

std::vector<int64_t> class_sizes(int32_t vertices, int32_t colors) {
  std::vector<int64_t> sizes(colors, vertices / colors);
  for (int32_t c = 0; c < vertices % colors; ++c) ++sizes[c];
  return sizes;
}

uint64_t below(std::mt19937_64& rng, uint64_t n) { return rng() % n; }

template <typename T>
void shuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(rng, i)]);
}

// e_AB per class pair (a < b, row-major), proportional to |A||B|, summing to `edges`.
std::vector<int64_t> pair_budgets(const std::vector<int64_t>& sizes, int64_t edges) {
  const int64_t total = possible_edges(sizes);
  std::vector<int64_t> budget;
  std::vector<std::pair<int64_t, size_t>> remainders;  // (remainder numerator, pair index)
  int64_t assigned = 0;
  for (size_t a = 0; a < sizes.size(); ++a)
    for (size_t b = a + 1; b < sizes.size(); ++b) {
      const int64_t share = edges * sizes[a] * sizes[b];
      budget.push_back(share / total);
      remainders.emplace_back(share % total, budget.size() - 1);
      assigned += budget.back();
    }
  std::stable_sort(remainders.begin(), remainders.end(), [](auto& x, auto& y) { return x.first > y.first; });
  for (int64_t i = 0; i < edges - assigned; ++i) ++budget[remainders[i].second];
  return budget;
}

// Vertices of `members` in order of increasing degree, ties in random order.
std::vector<int32_t> least_degree_first(const std::vector<int32_t>& members, const std::vector<int32_t>& degree,
                                        std::mt19937_64& rng) {
  std::vector<int32_t> order = members;
  shuffle(order, rng);
  std::stable_sort(order.begin(), order.end(), [&degree](int32_t x, int32_t y) { return degree[x] < degree[y]; });
  return order;
}

// Draws `count` edges between classes A and B, least degree (within A x B) first.
void draw_pair_edges(const std::vector<int32_t>& a_members, const std::vector<int32_t>& b_members, int64_t count,
                     int32_t vertices, std::mt19937_64& rng, std::vector<Edge>& edges) {
  std::vector<int32_t> degree(vertices, 0);
  std::vector<std::vector<bool>> adjacent(vertices);
  for (int32_t a : a_members) adjacent[a].assign(vertices, false);
  for (int64_t drawn = 0; drawn < count; ++drawn) {
    bool placed = false;
    for (int32_t a : least_degree_first(a_members, degree, rng)) {
      for (int32_t b : least_degree_first(b_members, degree, rng)) {
        if (adjacent[a][b]) continue;
        adjacent[a][b] = true;
        ++degree[a], ++degree[b];
        edges.emplace_back(a, b);
        placed = true;
        break;
      }
      if (placed) break;
    }
  }
}

// Draws up to `count` edges at random from A x B, each vertex of A below `cap_a` edges into B and each of
// B below `cap_b` (a cap < 0: none): pairs drawn uniformly from the allowed ones (rejection while they are
// plentiful, then the exact list), so every allowed pair is equally likely at each draw.
void draw_capped_pair_edges(const std::vector<int32_t>& a_members, const std::vector<int32_t>& b_members,
                            int64_t count, int64_t cap_a, int64_t cap_b, std::mt19937_64& rng,
                            std::vector<Edge>& edges) {
  const size_t na = a_members.size(), nb = b_members.size();
  std::vector<int64_t> degree_a(na, 0), degree_b(nb, 0);
  std::unordered_set<uint64_t> adjacent;  // i * nb + j: memory by the edges drawn, not |A| x |B|
  auto below_cap_a = [&](size_t i) { return cap_a < 0 || degree_a[i] < cap_a; };
  auto below_cap_b = [&](size_t j) { return cap_b < 0 || degree_b[j] < cap_b; };
  auto allowed = [&](size_t i, size_t j) { return below_cap_a(i) && below_cap_b(j) && !adjacent.count(i * nb + j); };
  auto take = [&](size_t i, size_t j) {
    adjacent.insert(i * nb + j);
    ++degree_a[i], ++degree_b[j];
    edges.emplace_back(a_members[i], b_members[j]);
  };
  for (int64_t drawn = 0; drawn < count; ++drawn) {
    bool placed = false;
    for (int attempt = 0; attempt < 64 && !placed; ++attempt) {
      const size_t i = below(rng, na), j = below(rng, nb);
      if (allowed(i, j)) take(i, j), placed = true;
    }
    if (placed) continue;
    // Allowed pairs are scarce (the caps are nearly reached): list them, over the vertices below their caps.
    std::vector<size_t> open_b;
    for (size_t j = 0; j < nb; ++j)
      if (below_cap_b(j)) open_b.push_back(j);
    std::vector<size_t> pairs;
    for (size_t i = 0; i < na; ++i)
      if (below_cap_a(i))
        for (size_t j : open_b)
          if (!adjacent.count(i * nb + j)) pairs.push_back(i * nb + j);
    if (pairs.empty()) return;  // caps and adjacency leave no pair: this pair keeps fewer edges
    const size_t pick = pairs[below(rng, pairs.size())];
    take(pick / nb, pick % nb);
  }
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

const char* edge_method_name(EdgeMethod method) {
  switch (method) {
    case EdgeMethod::Culberson: return "culberson";
    case EdgeMethod::Uniform: return "uniform";
    case EdgeMethod::Balanced: return "balanced";
  }
  return "?";
}

EdgeMethod parse_edge_method(const std::string& text) {
  for (EdgeMethod m : {EdgeMethod::Culberson, EdgeMethod::Uniform, EdgeMethod::Balanced})
    if (text == edge_method_name(m)) return m;
  throw TaskInputError("--method: expected culberson, uniform or balanced, got '" + text + "'");
}

void FlatGraphSpec::validate() const {
  if (flatness < 0) throw TaskInputError("--flatness: expected >= 0, got " + std::to_string(flatness));
  if (colors < 2) throw TaskInputError("--colors: need at least 2 colours, got " + std::to_string(colors));
  if (vertices < colors)
    throw TaskInputError("--vertices: need at least as many vertices as colours (" + std::to_string(colors) +
                         "), got " + std::to_string(vertices));
  const int64_t limit = possible_edges(class_sizes(vertices, colors));
  if (edge_count() < 0 || edge_count() > limit)
    throw TaskInputError("--edges: a " + std::to_string(colors) + "-partite graph on " + std::to_string(vertices) +
                         " vertices holds 0.." + std::to_string(limit) + " edges, got " + std::to_string(edge_count()));
}

PlantedGraph flat_graph(const FlatGraphSpec& spec, std::mt19937_64& rng) {
  spec.validate();
  auto graph = std::make_shared<Graph>();
  auto planted = std::make_shared<Coloring>();
  graph->vertices = spec.vertices;
  graph->colors = spec.colors;
  graph->source = "generated";
  std::vector<int32_t> order(spec.vertices);
  std::iota(order.begin(), order.end(), 0);
  shuffle(order, rng);
  planted->color.assign(spec.vertices, 0);
  std::vector<std::vector<int32_t>> members(spec.colors);
  for (int32_t i = 0; i < spec.vertices; ++i) {
    planted->color[order[i]] = i % spec.colors;
    members[i % spec.colors].push_back(order[i]);
  }
  const auto budget = pair_budgets(class_sizes(spec.vertices, spec.colors), spec.edge_count());
  size_t pair = 0;
  for (int32_t a = 0; a < spec.colors; ++a)
    for (int32_t b = a + 1; b < spec.colors; ++b) {
      const int64_t e_ab = budget[pair++];
      const int64_t size_a = int64_t(members[a].size()), size_b = int64_t(members[b].size());
      switch (spec.method) {
        case EdgeMethod::Balanced:
          draw_pair_edges(members[a], members[b], e_ab, spec.vertices, rng, graph->edges);
          break;
        case EdgeMethod::Culberson:
          draw_capped_pair_edges(members[a], members[b], e_ab, ceil_div(e_ab, size_b) + spec.flatness,
                                 ceil_div(e_ab, size_a) + spec.flatness, rng, graph->edges);
          break;
        case EdgeMethod::Uniform:
          draw_capped_pair_edges(members[a], members[b], e_ab, -1, -1, rng, graph->edges);
          break;
      }
    }
  canonicalize(graph->edges);
  return {graph, planted};
}

std::vector<PlantedGraph> generate_flat_graphs(const FlatGraphSpec& spec, int64_t count, uint64_t seed, Split split) {
  spec.validate();
  std::vector<PlantedGraph> examples;
  for (uint64_t candidate = 0; static_cast<int64_t>(examples.size()) < count; ++candidate) {
    std::mt19937_64 rng(splitmix64(seed) ^ candidate);
    PlantedGraph made = flat_graph(spec, rng);
    if (split_of(content_fingerprint(canonical_text(*made.graph))) != split) continue;
    made.graph->source = "generated:seed=" + std::to_string(seed) + ":i=" + std::to_string(candidate) + ":" +
                         edge_method_name(spec.method) +
                         (spec.method == EdgeMethod::Culberson ? ":flatness=" + std::to_string(spec.flatness) : "");
    examples.push_back(std::move(made));
  }
  return examples;
}

}  // namespace ebm::coloring
