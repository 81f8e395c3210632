// Where the project's shipped checkpoints are found.
#pragma once

#include <string>
#include <vector>

namespace ebm {

// The folders searched, in order: $EBM_MODEL_DIR (when set), the installed data folder relative to
// the loaded libebm (LIBDIR/../share/ebm/models: an installed library finds its own models first),
// and the `models` folder beside libebm (a build tree). No absolute path is compiled in.
std::vector<std::string> model_folders();

// The path of shipped checkpoint `file_name` ("sudoku-energy.ckpt") in the first of model_folders()
// that has it; "" when none does.
std::string shipped_model_file(const std::string& file_name);

}  // namespace ebm
