#include "tasks/sudoku/ar_training.h"

#include "ebm/atomic_file.h"
#include "ebm/checkpoint.h"
#include "ebm/device.h"
#include "tasks/sudoku/ar_solver.h"
#include "tasks/sudoku/ar_tokens.h"
#include "tasks/sudoku/training_data.h"
#include "tasks/sudoku/generator.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace ebm::sudoku {

namespace {

nlohmann::json architecture_json(const ArTransformerConfig& config, ArOrder order) {
  nlohmann::json j = config.to_json();
  j["order"] = ar_order_name(order);
  return j;
}

}  // namespace

ArTransformerConfig ar_config_for(const ArTrainSettings& s) {
  const ArOrder order = parse_ar_order(s.order);
  ArTransformerConfig config;
  if (s.target_parameters > 0) {
    config = ArTransformerConfig::matched_to(s.target_parameters, kArVocab, ar_max_length(order), s.layers, s.heads);
  } else {
    config.vocab = kArVocab;
    config.max_length = ar_max_length(order);
    config.d_model = s.d_model;
    config.layers = s.layers;
    config.heads = s.heads;
  }
  std::string error;
  if (!config.IsValid(&error)) throw std::invalid_argument("train ar: " + error);
  return config;
}

ArTrainResult train_ar(const ArTrainSettings& s, std::ostream& log) {
  if (s.steps < 1 || s.batch < 1 || s.train_puzzles < 1 || s.validate_every < 1 || s.validation_puzzles < 1)
    throw std::invalid_argument(
        "train ar: steps, batch, train-puzzles, validate-every and validation-puzzles must be >= 1");
  if (!(s.learning_rate > 0)) throw std::invalid_argument("train ar: learning rate must be > 0");
  const ArOrder order = parse_ar_order(s.order);
  const ArTransformerConfig config = ar_config_for(s);
  const nlohmann::json architecture = architecture_json(config, order);

  ArTransformer net(config);
  net->to(s.device);
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(s.learning_rate));
  int64_t step = 0;
  if (s.resume) {
    auto metadata = load_checkpoint(s.output, *net, {kArCheckpointKind, architecture}, s.device);
    step = metadata.at("training").at("step").get<int64_t>();
    load_optimizer_if_present(optimizer, s.output);
    log << "resumed " << s.output << " at step " << step << "\n";
  }

  log << "generating " << s.train_puzzles << " training boards (" << s.tiers << ", seed " << s.seed << ")...\n";
  auto data = training_boards(3, s.train_puzzles, s.tiers, s.seed);
  std::vector<Board> validation, validation_solutions;
  for (const auto& g : validation_boards(3, s.validation_puzzles, s.seed)) {
    validation.push_back(g.puzzle);
    validation_solutions.push_back(g.solution);
  }

  std::vector<Board> puzzles, solutions;
  for (const auto& d : data) {
    puzzles.push_back(d.puzzle);
    solutions.push_back(d.solution);
  }
  ArBatch all = encode_ar_batch(puzzles, solutions, order);
  // Loss mask over target positions j (token j + 1 is predicted from tokens 0..j): answer tokens only.
  const int64_t L = all.tokens.size(1);
  auto positions = torch::arange(1, L, torch::kLong).unsqueeze(0);  // index of the predicted token
  auto all_mask = (positions >= kArPromptLength) & (positions < all.lengths.unsqueeze(1));
  auto all_tokens = all.tokens.to(s.device);
  all_mask = all_mask.to(s.device);
  const int64_t parameters = net->parameter_count();
  log << "model ar-transformer " << config.to_json().dump() << " order " << s.order << ", " << parameters
      << " parameters; objective: next-token cross-entropy on answer tokens\n";

  ArTrainResult result;
  result.first_step = step;
  result.parameters = parameters;
  result.config = config;
  LossLog loss_log;
  while (step < s.steps) {
    auto gen = make_generator(s.seed * 1000003 + static_cast<uint64_t>(step), s.device);
    auto index = torch::randint(static_cast<int64_t>(data.size()), {s.batch}, gen,
                                torch::TensorOptions().dtype(torch::kLong).device(s.device));
    auto tokens = all_tokens.index_select(0, index);
    auto mask = all_mask.index_select(0, index);
    net->train();
    optimizer.zero_grad();
    auto logits = net->forward(tokens.narrow(1, 0, L - 1));  // [B, L-1, V]
    auto targets = tokens.narrow(1, 1, L - 1);
    auto nll = torch::nn::functional::cross_entropy(
        logits.reshape({-1, config.vocab}), targets.reshape({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    auto weights = mask.reshape({-1}).to(nll.dtype());
    auto loss = (nll * weights).sum() / weights.sum().clamp_min(1.0);
    loss.backward();
    optimizer.step();
    ++step;
    const double value = loss.item<double>();
    result.losses.push_back(value);
    if (auto mean = loss_log.add(value, step, s.steps, log)) result.final_loss = *mean;
    if (step % s.validate_every == 0 || step == s.steps) {
      ArSolveSettings solve_settings;
      solve_settings.decode = "greedy";
      solve_settings.batch = s.batch;
      solve_settings.device = s.device;
      auto solved = solve_ar(net, order, validation, solve_settings);
      double ok = 0, right = 0, blanks = 0;
      for (size_t i = 0; i < solved.size(); ++i) {
        ok += solved[i].verified;
        for (int c = 0; c < 81; ++c) {
          if (validation[i].cells[c] != 0) continue;
          ++blanks;
          right += solved[i].answer.cells[c] == validation_solutions[i].cells[c];
        }
      }
      result.validation_solved = ok / static_cast<double>(solved.size());
      result.validation_cell_accuracy = blanks > 0 ? right / blanks : 1.0;
      log << "validation at step " << step << ": solved " << result.validation_solved * 100 << "% of "
          << validation.size() << " hardest-tier puzzles (greedy), cell accuracy "
          << result.validation_cell_accuracy * 100 << "% of blank cells\n";
      nlohmann::json metadata{
          {"kind", kArCheckpointKind},
          {"architecture", architecture},
          {"task", "sudoku"},
          {"parameters", parameters},
          {"training", [&] {
             auto record = training_record(s.command_line, step, s.steps, s.batch, s.learning_rate, s.tiers,
                                           data.size(), s.seed);
             record["objective"] = "teacher-forced next-token cross-entropy on the answer tokens (after SEP)";
             record["order"] = s.order;
             record["target_parameters"] = s.target_parameters;
             return record;
           }()},
          {"metrics",
           {{"loss", result.final_loss},
            {"validation_solved", result.validation_solved},
            {"validation_cell_accuracy", result.validation_cell_accuracy},
            {"validation", [&] {
               auto record = validation_record(validation.size(), s.seed);
               record["decode"] = "greedy";
               return record;
             }()}}}};
      save_training_checkpoint(s.output, *net, metadata, optimizer, log);
    }
  }
  result.steps = step;
  return result;
}

}  // namespace ebm::sudoku
