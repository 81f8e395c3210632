// Sudoku unit layouts: which groups of N cells must each hold every digit 1..N exactly once. Plain C++17.
//
// A layout is a list of units (each N cell indices, row-major as in board.h). The variants:
//   standard  rows, then columns, then boxes (units 0..N-1, N..2N-1, 2N..3N-1)
//   x         standard + the main diagonal (r1c1..rNcN) + the anti-diagonal (r1cN..rNc1)
//   jigsaw    rows, then columns, then N irregular regions: a region map of N*N characters, one region
//             id per cell ('1'..'9' for 9x9, then 'A'..'G'), each region N cells connected through
//             shared edges. Regions are numbered in order of their ids.
// The verifier, the DLX reference and the generator work on any layout. A learned energy is never
// given one (DESIGN.md, "Learning"): it learns from solved grids only.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace ebm::sudoku {

enum class Variant { Standard, X, Jigsaw };

// "standard", "x", "jigsaw".
std::string variant_name(Variant variant);
// The variant named `name` (case-insensitive). Throws std::invalid_argument listing the names.
Variant parse_variant(const std::string& name);

// A bad region map. The message names the problem ("region 3 has 8 cells, expected 9").
class LayoutError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class UnitKind { Row, Column, Box, Diagonal, Region };

struct Unit {
  UnitKind kind = UnitKind::Row;
  int number = 0;          // 1-based within its kind, for messages ("row 2", "diagonal 1", "region 3")
  std::vector<int> cells;  // N cell indices; rows and columns in order, boxes and regions row-major
};

struct Layout {
  Variant variant = Variant::Standard;
  int box = 3;              // n; the board is N x N with N = n*n
  std::string regions;      // jigsaw: the region map (N*N characters); "" for the other variants
  std::vector<Unit> units;  // see above
  std::vector<std::vector<int>> cell_units;  // per cell, the indices of the units holding it, ascending
                                             // (set by the functions below, which build every layout)

  int size() const { return box * box; }
  // "standard", "x", or "jigsaw (layout 111222333...)" for messages.
  std::string describe() const;
  friend bool operator==(const Layout& a, const Layout& b) {
    return a.variant == b.variant && a.box == b.box && a.regions == b.regions;
  }
  friend bool operator!=(const Layout& a, const Layout& b) { return !(a == b); }
};

// Throw std::invalid_argument unless box is 2, 3 or 4.
Layout standard_layout(int box);
Layout x_layout(int box);
// The jigsaw of a region map; the box size follows from its length (16, 81 or 256). Throws LayoutError
// for a wrong length, a character that is not a region id, a number of regions other than N, a region
// of other than N cells, or a region that is not connected.
Layout jigsaw_layout(const std::string& regions);
// The layout of `variant` on box size `box`; `regions` is read for jigsaw only ("" = the built-in map,
// which exists for 9x9 only: a LayoutError otherwise).
Layout make_layout(Variant variant, int box, const std::string& regions = "");

// The built-in 9x9 jigsaw region map: 9 connected irregular regions, none a 3x3 box.
const std::string& default_jigsaw_regions();

// One process-wide standard layout per box size (2, 3, 4; otherwise std::invalid_argument), built once
// and shared (thread-safe): for the hot paths that take no layout.
const Layout& shared_standard_layout(int box);

}  // namespace ebm::sudoku
