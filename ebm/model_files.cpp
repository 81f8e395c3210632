#include "ebm/model_files.h"

#include "ebm/version.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace ebm {

std::string shipped_model_file(const std::string& file_name) {
  std::vector<std::string> folders;
  if (const char* env = std::getenv("EBM_MODEL_DIR")) folders.emplace_back(env);
  folders.emplace_back(EBM_SOURCE_MODEL_DIR);
  folders.emplace_back(EBM_INSTALLED_MODEL_DIR);
  for (const auto& folder : folders) {
    const auto path = std::filesystem::path(folder) / file_name;
    if (std::filesystem::exists(path)) return path.string();
  }
  return "";
}

}  // namespace ebm
