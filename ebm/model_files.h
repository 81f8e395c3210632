// Where the project's shipped checkpoints are found.
#pragma once

#include <string>

namespace ebm {

// The path of shipped checkpoint `file_name` ("sudoku-energy.ckpt"): $EBM_MODEL_DIR/FILE if it
// exists, else the source tree's models/FILE (a build tree), else the installed data folder's;
// "" when none exists.
std::string shipped_model_file(const std::string& file_name);

}  // namespace ebm
