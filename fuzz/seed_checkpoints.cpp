// Writes the checkpoint harness's seed corpus with the project's own save_checkpoint(): the smallest
// models of each kind fuzz/checkpoint.cpp loads (a few KB each). Usage: seed_checkpoints DIR
#include "ebm/checkpoint.h"
#include "ebm/learning/ar_transformer.h"
#include "tasks/sudoku/ar_tokens.h"
#include "tasks/sudoku/learned_energy.h"

#include <torch/utils.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: seed_checkpoints DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  torch::manual_seed(1);

  ebm::sudoku::LearnedEnergyConfig energy_config;
  energy_config.box = 2;
  energy_config.hidden = 2;
  energy_config.layers = 1;
  ebm::sudoku::SudokuEnergyNet energy(energy_config);
  ebm::save_checkpoint(dir + "/sudoku-energy-tiny.ckpt", energy,
                       {{"kind", ebm::sudoku::kLearnedEnergyKind}, {"architecture", energy_config.to_json()}}, "fuzz-seed");

  ebm::ArTransformerConfig ar_config;
  ar_config.vocab = ebm::sudoku::ar_vocab(2);
  ar_config.max_length = ebm::sudoku::ar_max_length(ebm::sudoku::ArOrder::Fixed, 2);
  ar_config.d_model = 2;
  ar_config.heads = 1;
  ar_config.layers = 1;
  ar_config.d_ff = 2;
  ebm::ArTransformer ar(ar_config);
  nlohmann::json architecture = ar_config.to_json();
  architecture["order"] = "fixed";
  architecture["box"] = 2;
  ebm::save_checkpoint(dir + "/sudoku-ar-tiny.ckpt", *ar, {{"kind", "sudoku-ar"}, {"architecture", architecture}, {"task", "sudoku"}},
                       "fuzz-seed");
  return 0;
}
