// `ebm samplers`: every sampler with its options, defaults and meanings (--json: the catalogue).
#include "commands.h"

#include "ebm/samplers/registry.h"

#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ebm::cli {

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
