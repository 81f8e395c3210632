#include "tasks/coloring/graph.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <istream>
#include <ostream>
#include <sstream>

namespace ebm::coloring {

std::vector<int32_t> Graph::degrees() const {
  std::vector<int32_t> degree(vertices, 0);
  for (const auto& [u, v] : edges) ++degree[u], ++degree[v];
  return degree;
}

void canonicalize(std::vector<Edge>& edges) {
  for (auto& e : edges)
    if (e.first > e.second) std::swap(e.first, e.second);
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
}

namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream words(line);
  std::vector<std::string> out;
  for (std::string w; words >> w;) out.push_back(w);
  return out;
}

// A non-negative decimal integer, or -1 when `text` is not one (or is too large).
int64_t parse_count(const std::string& text) {
  if (text.empty() || text.size() > 12 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  return std::strtoll(text.c_str(), nullptr, 10);
}

}  // namespace

Graph read_dimacs(std::istream& in, const std::string& source, int32_t colors) {
  Graph graph;
  graph.source = source;
  graph.colors = colors;
  int64_t declared_edges = -1, edge_lines = 0, header_line = 0, line_number = 0;
  auto fail = [&source](int64_t line, const std::string& what) {
    throw TaskInputError(source + ":" + std::to_string(line) + ": " + what);
  };
  int64_t bytes = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    bytes += static_cast<int64_t>(line.size()) + 1;
    const auto words = split_words(line);
    if (words.empty() || words[0][0] == 'c') continue;
    if (words[0] == "p") {
      if (header_line > 0) fail(line_number, "second 'p' header (the first is on line " + std::to_string(header_line) + ")");
      if (words.size() != 4 || (words[1] != "edge" && words[1] != "col"))
        fail(line_number, "bad header: expected 'p edge VERTICES EDGES'");
      const int64_t n = parse_count(words[2]), m = parse_count(words[3]);
      if (n < 1 || n > 10'000'000) fail(line_number, "bad header: vertex count '" + words[2] + "' is not a positive integer");
      if (m < 0) fail(line_number, "bad header: edge count '" + words[3] + "' is not a non-negative integer");
      graph.vertices = static_cast<int32_t>(n);
      declared_edges = m;
      header_line = line_number;
    } else if (words[0] == "e") {
      if (header_line == 0) fail(line_number, "edge before the 'p edge VERTICES EDGES' header");
      if (words.size() != 3) fail(line_number, "malformed edge line: expected 'e U V'");
      const int64_t u = parse_count(words[1]), v = parse_count(words[2]);
      if (u < 0 || v < 0) fail(line_number, "malformed edge line: vertices must be positive integers");
      for (int64_t x : {u, v})
        if (x < 1 || x > graph.vertices)
          fail(line_number, "vertex " + std::to_string(x) + " out of range 1.." + std::to_string(graph.vertices));
      if (u == v) fail(line_number, "self-loop on vertex " + std::to_string(u) + " (no colouring exists)");
      graph.edges.emplace_back(static_cast<int32_t>(u - 1), static_cast<int32_t>(v - 1));
      ++edge_lines;
    } else {
      fail(line_number, "unknown line type '" + words[0] + "' (expected c, p or e)");
    }
  }
  if (header_line == 0) fail(std::max<int64_t>(line_number, 1), "no 'p edge VERTICES EDGES' header");
  constexpr int64_t kUndescribedAllowance = 1024;
  if (graph.vertices > bytes + kUndescribedAllowance)
    fail(header_line, "the header declares " + std::to_string(graph.vertices) + " vertices, more than a " +
                          std::to_string(bytes) + "-byte file can describe (at most its length + 1024 are accepted)");
  if (edge_lines != declared_edges)
    fail(header_line, "the header declares " + std::to_string(declared_edges) + " edges, the file has " +
                          std::to_string(edge_lines) + " edge lines");
  canonicalize(graph.edges);
  return graph;
}

void write_dimacs(std::ostream& out, const Graph& graph, const std::vector<std::string>& comments) {
  out << "c " << graph.vertices << "-vertex graph, " << graph.colors << " colours asked\n";
  for (const auto& comment : comments) out << "c " << comment << "\n";
  out << "p edge " << graph.vertices << " " << graph.edges.size() << "\n";
  for (const auto& [u, v] : graph.edges) out << "e " << u + 1 << " " << v + 1 << "\n";
}

void write_solution(std::ostream& out, const Graph& graph, const Coloring* coloring) {
  if (!coloring) {
    out << "s UNKNOWN\n";
    return;
  }
  out << "s col " << graph.colors << "\n";
  for (int32_t v = 0; v < graph.vertices; ++v) out << "l " << v + 1 << " " << coloring->color[v] + 1 << "\n";
}

bool is_valid_coloring(const Graph& graph, const Coloring& coloring, std::string* why) {
  auto reject = [why](const std::string& what) {
    if (why) *why = what;
    return false;
  };
  if (coloring.color.size() != static_cast<size_t>(graph.vertices))
    return reject("the colouring has " + std::to_string(coloring.color.size()) + " vertices, the graph " +
                  std::to_string(graph.vertices));
  for (int32_t v = 0; v < graph.vertices; ++v)
    if (coloring.color[v] < 0 || coloring.color[v] >= graph.colors)
      return reject("vertex " + std::to_string(v + 1) + " has colour " + std::to_string(coloring.color[v] + 1) +
                    ", outside 1.." + std::to_string(graph.colors));
  for (const auto& [u, v] : graph.edges)
    if (coloring.color[u] == coloring.color[v])
      return reject("edge " + std::to_string(u + 1) + "-" + std::to_string(v + 1) + " joins two vertices of colour " +
                    std::to_string(coloring.color[u] + 1));
  return true;
}

int64_t conflicting_edges(const Graph& graph, const std::vector<int32_t>& color) {
  int64_t conflicts = 0;
  for (const auto& [u, v] : graph.edges) conflicts += color[u] == color[v];
  return conflicts;
}

std::string canonical_text(const Graph& graph) {
  std::string text = std::to_string(graph.vertices) + "\n";
  for (const auto& [u, v] : graph.edges) text += std::to_string(u) + " " + std::to_string(v) + "\n";
  return text;
}

}  // namespace ebm::coloring
