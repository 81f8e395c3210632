#include "ebm/tasks/sudoku/layout.h"

#include "ebm/tasks/sudoku/board.h"

#include <algorithm>
#include <cctype>

namespace ebm::sudoku {

namespace {

void require_box(int box) {
  if (box < 2 || box > 4) throw std::invalid_argument("sudoku box size must be 2, 3 or 4, got " + std::to_string(box));
}

void add_lines(Layout& layout) {
  const int n = layout.size();
  for (int r = 0; r < n; ++r) {
    Unit row{UnitKind::Row, r + 1, {}};
    for (int c = 0; c < n; ++c) row.cells.push_back(r * n + c);
    layout.units.push_back(std::move(row));
  }
  for (int c = 0; c < n; ++c) {
    Unit column{UnitKind::Column, c + 1, {}};
    for (int r = 0; r < n; ++r) column.cells.push_back(r * n + c);
    layout.units.push_back(std::move(column));
  }
}

void add_boxes(Layout& layout) {
  const int n = layout.size(), box = layout.box;
  for (int b = 0; b < n; ++b) {
    const int r0 = (b / box) * box, c0 = (b % box) * box;
    Unit unit{UnitKind::Box, b + 1, {}};
    for (int k = 0; k < n; ++k) unit.cells.push_back((r0 + k / box) * n + c0 + k % box);
    layout.units.push_back(std::move(unit));
  }
}

// Cells of `region` reachable from its first cell through shared edges.
size_t reachable(const std::vector<int>& region_of, int n, int region, int start) {
  std::vector<char> seen(region_of.size(), 0);
  std::vector<int> stack = {start};
  seen[start] = 1;
  size_t count = 0;
  while (!stack.empty()) {
    const int cell = stack.back();
    stack.pop_back();
    ++count;
    const int r = cell / n, c = cell % n;
    const int neighbours[4][2] = {{r - 1, c}, {r + 1, c}, {r, c - 1}, {r, c + 1}};
    for (const auto& rc : neighbours) {
      if (rc[0] < 0 || rc[0] >= n || rc[1] < 0 || rc[1] >= n) continue;
      const int next = rc[0] * n + rc[1];
      if (!seen[next] && region_of[next] == region) {
        seen[next] = 1;
        stack.push_back(next);
      }
    }
  }
  return count;
}

// Fills layout.cell_units from layout.units.
Layout finished(Layout layout) {
  layout.cell_units.assign(layout.size() * layout.size(), {});
  for (size_t u = 0; u < layout.units.size(); ++u)
    for (int cell : layout.units[u].cells) layout.cell_units[cell].push_back(static_cast<int>(u));
  return layout;
}

}  // namespace

std::string variant_name(Variant variant) {
  switch (variant) {
    case Variant::Standard: return "standard";
    case Variant::X: return "x";
    case Variant::Jigsaw: return "jigsaw";
  }
  return "unknown";
}

Variant parse_variant(const std::string& name) {
  std::string lower = name;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (Variant v : {Variant::Standard, Variant::X, Variant::Jigsaw})
    if (variant_name(v) == lower) return v;
  throw std::invalid_argument("unknown sudoku variant '" + name + "' (expected standard|x|jigsaw)");
}

std::string Layout::describe() const {
  return variant == Variant::Jigsaw ? "jigsaw (layout " + regions + ")" : variant_name(variant);
}

Layout standard_layout(int box) {
  require_box(box);
  Layout layout;
  layout.box = box;
  add_lines(layout);
  add_boxes(layout);
  return finished(std::move(layout));
}

Layout x_layout(int box) {
  Layout layout = standard_layout(box);
  layout.variant = Variant::X;
  const int n = layout.size();
  Unit main{UnitKind::Diagonal, 1, {}}, anti{UnitKind::Diagonal, 2, {}};
  for (int k = 0; k < n; ++k) {
    main.cells.push_back(k * n + k);
    anti.cells.push_back(k * n + (n - 1 - k));
  }
  layout.units.push_back(std::move(main));
  layout.units.push_back(std::move(anti));
  return finished(std::move(layout));
}

Layout jigsaw_layout(const std::string& regions) {
  const int box = box_for_length(regions.size());
  if (box == 0)
    throw LayoutError("jigsaw layout: expected 16, 81 or 256 region ids (4x4, 9x9 or 16x16), got " +
                      std::to_string(regions.size()) + " characters");
  Layout layout;
  layout.variant = Variant::Jigsaw;
  layout.box = box;
  layout.regions = regions;
  const int n = layout.size();
  std::vector<int> region_of(regions.size());
  std::vector<Unit> found(n);
  for (size_t i = 0; i < regions.size(); ++i) {
    const int id = char_value(regions[i], box);
    if (id <= 0)
      throw LayoutError("jigsaw layout: character '" + std::string(1, regions[i]) + "' at position " +
                        std::to_string(i + 1) + " is not a region id (1-" + std::string(1, digit_char(n)) + ")");
    region_of[i] = id - 1;
    found[id - 1].cells.push_back(static_cast<int>(i));
  }
  for (int g = 0; g < n; ++g) {
    const std::string name = "jigsaw layout: region " + std::string(1, digit_char(g + 1));
    if (found[g].cells.size() != static_cast<size_t>(n))
      throw LayoutError(name + " has " + std::to_string(found[g].cells.size()) + " cells, expected " + std::to_string(n));
    if (reachable(region_of, n, g, found[g].cells.front()) != found[g].cells.size())
      throw LayoutError(name + " is not connected (its cells must touch through shared edges)");
    found[g].kind = UnitKind::Region;
    found[g].number = g + 1;
  }
  add_lines(layout);
  for (auto& unit : found) layout.units.push_back(std::move(unit));
  return finished(std::move(layout));
}

Layout make_layout(Variant variant, int box, const std::string& regions) {
  switch (variant) {
    case Variant::Standard: return standard_layout(box);
    case Variant::X: return x_layout(box);
    case Variant::Jigsaw: break;
  }
  if (!regions.empty()) {
    Layout layout = jigsaw_layout(regions);
    if (layout.box != box)
      throw LayoutError("jigsaw layout is " + std::to_string(layout.size()) + "x" + std::to_string(layout.size()) +
                        ", the boards are " + std::to_string(box * box) + "x" + std::to_string(box * box));
    return layout;
  }
  if (box != 3) throw LayoutError("jigsaw: there is a built-in layout for 9x9 only; give one with --layout");
  return jigsaw_layout(default_jigsaw_regions());
}

const std::string& default_jigsaw_regions() {
  // 1 1 1 2 2 2 3 3 3
  // 4 1 1 5 2 3 3 3 3
  // 4 4 1 5 2 2 3 3 6
  // 4 4 1 5 5 2 2 6 6
  // 4 4 1 5 5 2 9 9 6
  // 4 4 1 5 5 5 9 6 6
  // 7 7 7 8 8 9 9 6 6
  // 7 7 7 8 8 8 9 9 6
  // 7 7 7 8 8 8 8 9 9
  static const std::string regions =
      "111222333411523333441522336441552266441552996441555966777889966777888996777888899";
  return regions;
}

const Layout& shared_standard_layout(int box) {
  require_box(box);
  static const Layout layouts[3] = {standard_layout(2), standard_layout(3), standard_layout(4)};
  return layouts[box - 2];
}

}  // namespace ebm::sudoku
