// `ebm version`: the version, LibTorch, threads and devices.
#include "commands.h"

#include "ebm/device.h"
#include "ebm/version.h"

#include <torch/version.h>

#include <iostream>

namespace ebm::cli {

void add_version_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("version", "print the version, LibTorch version, threads and devices");
  cmd->callback([] {
    std::cout << "ebm " << EBM_VERSION << "\n"
              << "LibTorch " << TORCH_VERSION << (EBM_BUILT_WITH_CUDA_LIBTORCH ? " (CUDA build)" : " (CPU build)")
              << "\n"
              << "threads " << set_threads(0) << "\n"
              << "devices cpu";
    for (int i = 0; i < cuda_device_count(); ++i) std::cout << ", cuda:" << i;
    std::cout << "\n";
  });
}

}  // namespace ebm::cli
