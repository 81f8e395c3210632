// `ebm version` and `ebm samplers`.
#include "commands.h"

#include "ebm/device.h"
#include "ebm/version.h"
#include "ebm/samplers/registry.h"

#include <torch/version.h>

#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ebm::cli {

int apply_threads(int threads) { return set_threads(threads); }

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

namespace {
void print_options(const std::vector<OptionInfo>& options) {
  for (const auto& o : options)
    std::cout << "    " << std::left << std::setw(16) << o.key << std::setw(12) << ("= " + o.default_value) << "  "
              << o.meaning << "  [" << o.type << (o.range.empty() ? "" : " in " + o.range) << "]\n";
}

nlohmann::json options_json(const std::vector<OptionInfo>& options) {
  auto out = nlohmann::json::array();
  for (const auto& o : options)
    out.push_back({{"key", o.key}, {"type", o.type}, {"default", o.default_value}, {"meaning", o.meaning}, {"range", o.range}});
  return out;
}
}  // namespace

void add_samplers_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("samplers", "list every sampler with its options, defaults and meaning");
  auto* json = cmd->add_flag("--json", "print the catalogue as JSON");
  cmd->callback([json] {
    if (json->count()) {
      nlohmann::json out;
      for (const auto& e : sampler_catalogue())
        out["samplers"].push_back({{"name", e.name}, {"summary", e.summary}, {"wrapper", e.wrapper},
                                   {"spaces", e.spaces}, {"options", options_json(e.options)}});
      out["driver"] = options_json(driver_option_infos());
      std::cout << out.dump(2) << "\n";
      return;
    }
    std::cout << "Samplers (spec: name:key=value,...; wrappers: wrapper:.../base:...)\n\n";
    for (const auto& e : sampler_catalogue()) {
      std::cout << "  " << e.name << (e.wrapper ? "  [wrapper]" : "") << " - " << e.summary << "\n"
                << "    answer spaces: " << e.spaces << "\n";
      print_options(e.options);
      std::cout << "\n";
    }
    std::cout << "Driver options (any segment of a spec):\n";
    print_options(driver_option_infos());
  });
}

}  // namespace ebm::cli
