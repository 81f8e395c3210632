// `ebm checkpoint-diff A B`: how far apart the weights of two checkpoints are (e.g. a data-parallel
// run and a one-process run of the same recipe, docs/TRAINING.md).
#include "commands.h"
#include "exit_codes.h"
#include "option_checks.h"
#include "task_flags.h"

#include "ebm/checkpoint.h"

#include <torch/torch.h>

#include <iostream>
#include <stdexcept>

namespace ebm::cli {

namespace {

struct WeightDifference {
  int64_t tensors = 0, values = 0;
  double largest = 0;       // max |a - b| over every value
  std::string largest_in;   // the tensor that holds it
};

// Throws InputError when the two files do not hold the same tensors (names, shapes, dtypes).
WeightDifference weight_difference(const std::string& a_path, const std::string& b_path) {
  const auto a = read_checkpoint_tensors(a_path);
  const auto b = read_checkpoint_tensors(b_path);
  auto refuse = [&](const std::string& problem) {
    throw InputError("checkpoint-diff: '" + a_path + "' and '" + b_path + "' " + problem);
  };
  if (a.size() != b.size())
    refuse("hold different numbers of tensors (" + std::to_string(a.size()) + " and " + std::to_string(b.size()) + ")");
  WeightDifference difference;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto& [name, tensor] = a[i];
    if (b[i].first != name) refuse("differ in tensor " + std::to_string(i) + ": '" + name + "' and '" + b[i].first + "'");
    if (!tensor.sizes().equals(b[i].second.sizes()) || tensor.scalar_type() != b[i].second.scalar_type())
      refuse("differ in the shape or dtype of '" + name + "'");
    ++difference.tensors;
    difference.values += tensor.numel();
    if (tensor.numel() == 0) continue;
    const double largest = (tensor.to(torch::kDouble) - b[i].second.to(torch::kDouble)).abs().max().item<double>();
    if (largest > difference.largest || difference.largest_in.empty()) {
      difference.largest = largest;
      difference.largest_in = name;
    }
  }
  return difference;
}

}  // namespace

void add_checkpoint_diff_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "checkpoint-diff",
      "the largest |a - b| between the weights of two checkpoints holding the same tensors; exits 0 when it\n"
      "is at most --tolerance, 1 otherwise (and when the files hold different tensors)");
  auto a = std::make_shared<std::string>();
  auto b = std::make_shared<std::string>();
  auto tolerance = std::make_shared<double>(0.0);
  cmd->add_option("A", *a, "first checkpoint")->required()->check(CLI::ExistingFile);
  cmd->add_option("B", *b, "second checkpoint")->required()->check(CLI::ExistingFile);
  cmd->add_option("--tolerance", *tolerance, "largest difference accepted")->capture_default_str()->check(real_in(0, 1e30));
  cmd->callback([a, b, tolerance] {
    const WeightDifference d = weight_difference(*a, *b);
    const bool within = d.largest <= *tolerance;
    std::cout << "max |difference| " << d.largest << (d.largest_in.empty() ? "" : " (in '" + d.largest_in + "')")
              << " over " << d.values << " values of " << d.tensors << " tensors; tolerance " << *tolerance << ": "
              << (within ? "within" : "EXCEEDED") << "\n";
    if (!within) exit_status() = 1;
  });
}

}  // namespace ebm::cli
