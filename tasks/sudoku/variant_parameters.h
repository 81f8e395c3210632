// The Sudoku task's variant settings (layout.h): --variant standard|x|jigsaw and, for jigsaw, --layout
// (the region map), shared by generate, solve, eval and train; and the file header that carries them.
//
// File header: a jigsaw file starts with "# layout: <N*N region ids>", a Sudoku-X file with
// "# variant: x" (`ebm generate` writes them; other '#' lines stay comments). When reading, a file's
// header wins over the defaults; an explicit flag that contradicts it is an error naming both.
#pragma once

#include "ebm/task.h"
#include "ebm/tasks/sudoku/layout.h"

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace ebm::sudoku {

// The ParameterInfo of "variant" and "layout" (ProblemParameter | GenerateParameter | TrainParameter).
std::vector<ParameterInfo> variant_parameters();

// The layout the parameters choose for boards of box `box`: --variant (default standard); --layout
// (jigsaw only; default: the built-in 9x9 map; a --layout alone means jigsaw). Throws TaskInputError
// naming the flag and the problem ("--layout: jigsaw layout: region 3 has 8 cells, expected 9").
std::shared_ptr<const Layout> layout_from_parameters(const TaskParameters& parameters, int box);

// What a file's header says: its "# variant:" and "# layout:" values ("" when absent).
struct FileHeader {
  std::string variant, layout;
  int variant_line = 0, layout_line = 0;  // 1-based lines they came from
};
// Scans every '#' line of `text`. Throws TaskInputError "SOURCE:LINE: ..." when a value repeats with
// another text.
FileHeader read_file_header(const std::string& text, const std::string& source);

// The layout of a file: its header, then the parameters, for boards of box `box` (the puzzles' size;
// a header layout fixes its own). Throws TaskInputError for a bad layout or a flag that contradicts
// the header ("--layout 111... differs from the file's layout line 1: 123...").
std::shared_ptr<const Layout> file_layout(const FileHeader& header, const TaskParameters& parameters, int box,
                                          const std::string& source);

// The header lines write_problems puts first for `layout` ("" for standard Sudoku).
std::string header_lines(const Layout& layout);

}  // namespace ebm::sudoku
