#include "ebm/model_files.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace ebm {

namespace {

// The folder of the shared object (or executable) this function was linked into.
std::filesystem::path folder_of_this_library() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&folder_of_this_library), &info) == 0 || !info.dli_fname) return {};
  std::error_code error;
  auto path = std::filesystem::canonical(info.dli_fname, error);
  return error ? std::filesystem::path() : path.parent_path();
}

}  // namespace

std::vector<std::string> model_folders() {
  std::vector<std::string> folders;
  if (const char* env = std::getenv("EBM_MODEL_DIR"); env && *env) folders.emplace_back(env);
  const auto library = folder_of_this_library();
  if (!library.empty()) {
    folders.push_back((library / EBM_MODELS_FROM_LIBDIR).lexically_normal().string());
    folders.push_back((library / "models").string());
  }
  return folders;
}

std::string shipped_model_file(const std::string& file_name) {
  for (const auto& folder : model_folders()) {
    const auto path = std::filesystem::path(folder) / file_name;
    if (std::filesystem::exists(path)) return path.string();
  }
  return "";
}

}  // namespace ebm
