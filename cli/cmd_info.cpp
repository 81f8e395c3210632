// `ebm info FILE...`: what a checkpoint holds (kind, task, architecture, training command, metrics,
// tensors) and whether it is sound: the file is intact (magic, lengths, checksum, metadata) and its
// weights look like a model (ebm/checkpoint_soundness.h).
#include "commands.h"
#include "exit_codes.h"
#include "task_flags.h"

#include "ebm/checkpoint.h"
#include "ebm/checkpoint_soundness.h"

#include <torch/torch.h>

#include <iostream>
#include <nlohmann/json.hpp>

namespace ebm::cli {

namespace {

// 0 sound; 2 (bad input) unsound weights, or a file unreadable or not a checkpoint.
int report_checkpoint(const std::string& path, bool json) {
  nlohmann::json out{{"file", path}};
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  try {
    out["metadata"] = read_checkpoint_metadata(path);
    out["optimizer_state_bytes"] = read_checkpoint_training_state(path).size();
    tensors = read_checkpoint_tensors(path);
  } catch (const std::exception& error) {
    out["sound"] = false;
    out["problems"] = {error.what()};
    if (json) std::cout << out.dump() << "\n";
    else std::cout << path << ": NOT SOUND: " << error.what() << "\n";
    return kExitBadInput;
  }
  int64_t parameters = 0;
  std::vector<std::string> problems = metadata_problems(out["metadata"]);
  for (auto& problem : weight_problems(tensors)) problems.push_back(std::move(problem));
  nlohmann::json tensor_rows = nlohmann::json::array();
  for (const auto& [name, tensor] : tensors) {
    parameters += tensor.numel();
    tensor_rows.push_back({{"name", name}, {"shape", tensor.sizes().vec()}, {"dtype", c10::toString(tensor.scalar_type())}});
  }
  out["tensors"] = tensor_rows;
  out["values"] = parameters;
  out["sound"] = problems.empty();
  out["problems"] = problems;
  if (json) {
    std::cout << out.dump() << "\n";
  } else {
    const auto& m = out["metadata"];
    auto field = [&](const char* key) { return m.contains(key) ? (m[key].is_string() ? m[key].get<std::string>() : m[key].dump()) : "-"; };
    std::cout << path << "\n"
              << "  kind          " << field("kind") << "\n"
              << "  task          " << field("task") << "\n"
              << "  created       " << field("created") << " by ebm " << field("library_version") << "\n"
              << "  architecture  " << field("architecture") << "\n"
              << "  training      " << field("training") << "\n"
              << "  metrics       " << field("metrics") << "\n"
              << "  weights       " << tensors.size() << " tensors, " << parameters << " values\n"
              << "  optimizer     "
              << (out["optimizer_state_bytes"] == 0 ? std::string("none (not resumable)")
                                                    : out["optimizer_state_bytes"].dump() + " bytes of state, same step")
              << "\n";
    if (problems.empty()) std::cout << "  sound         yes (intact file; every weight finite, no tensor all zero, none above 1e4)\n";
    for (const auto& p : problems) std::cout << "  NOT SOUND     " << p << "\n";
  }
  return problems.empty() ? kExitOk : kExitBadInput;
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "info",
      "what a checkpoint holds (kind, task, architecture, training command, metrics, tensors) and whether it is\n"
      "sound: an intact file whose weights are all finite, no tensor all zero, none above 1e4 in magnitude.\n"
      "Exit status: 0 every file sound, 2 some file unsound, unreadable or not a checkpoint.");
  cmd->add_option("FILE", *files, "checkpoint files (.ckpt)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--json", *json, "one JSON object per file");
  cmd->callback([files, json] {
    for (const auto& path : *files) raise_exit_status(report_checkpoint(path, *json));
  });
}

}  // namespace ebm::cli
