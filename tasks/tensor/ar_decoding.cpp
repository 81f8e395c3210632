#include "tasks/tensor/ar_decoding.h"

#include "ebm/checkpoint.h"
#include "tasks/tensor/training.h"

#include <torch/torch.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace ebm::tensor {

namespace {

torch::Tensor long_row(const std::vector<int64_t>& tokens) { return torch::tensor(tokens, torch::kLong); }

}  // namespace

int64_t longest_ar_sequence(const TensorTask& task) {
  int64_t longest = 0;
  for (Split split : {Split::Train, Split::Harder}) {
    const auto problem = task.draw_problems(split, 1, 1).front();
    const auto length = task.prompt_tokens(*problem).size() + task.answer_tokens(*problem, problem->reference).size();
    longest = std::max(longest, int64_t(length));
  }
  return longest;
}

TokenBatch teacher_batch(const TensorTask& task, const std::vector<std::shared_ptr<TensorProblem>>& problems) {
  TokenBatch batch;
  std::vector<torch::Tensor> rows;
  for (const auto& problem : problems) {
    if (!problem->reference.defined()) throw std::invalid_argument(task.name() + ": a training problem without an answer");
    auto tokens = task.prompt_tokens(*problem);
    const int64_t prompt = int64_t(tokens.size());
    const auto answer = task.answer_tokens(*problem, problem->reference);
    tokens.insert(tokens.end(), answer.begin(), answer.end());
    if (rows.empty()) batch.prompt_length = prompt;
    if (prompt != batch.prompt_length || (!rows.empty() && int64_t(tokens.size()) != rows.front().size(0)))
      throw std::invalid_argument(task.name() + ": AR sequences of different lengths in one batch");
    rows.push_back(long_row(tokens));
  }
  batch.tokens = torch::stack(rows);
  return batch;
}

std::string ArDecode::text() const {
  if (!temperature) return "greedy";
  std::ostringstream out;
  out << "sample:" << *temperature;
  return out.str();
}

ArDecode ArDecode::parse(const std::string& text) {
  if (text == "greedy") return {};
  const std::string refusal = "AR decode must be greedy or sample:T with a temperature T > 0, got '" + text + "'";
  if (text.rfind("sample:", 0) != 0) throw std::invalid_argument(refusal);
  try {
    size_t used = 0;
    const double t = std::stod(text.substr(7), &used);
    if (used != text.size() - 7 || !(t > 0) || !std::isfinite(t)) throw std::invalid_argument(refusal);
    return ArDecode{t};
  } catch (const std::logic_error&) {
    throw std::invalid_argument(refusal);
  }
}

DecodedGroup decode_group(ArTransformer& model, const TensorTask& task, const std::vector<ProblemPtr>& group,
                          const ArDecode& decode, torch::Generator& generator, const torch::Device& device,
                          const DecodeStop& stop) {
  const auto& first = as_tensor_problem(*group.front());
  const torch::Tensor allowed = task.allowed_tokens(first);
  const int64_t steps = allowed.size(0);
  std::vector<torch::Tensor> prompts;
  for (const auto& p : group) prompts.push_back(long_row(task.prompt_tokens(as_tensor_problem(*p))));
  auto prompt = torch::stack(prompts);
  DecodedGroup decoded;
  decoded.positions = prompt.size(1) + steps - 1;
  const auto& config = model->config();
  if (decoded.positions > config.max_length || allowed.size(1) != config.vocab)
    throw std::invalid_argument(task.name() + " AR: problem " + first.source + " of size " + std::to_string(first.size) +
                                " needs " + std::to_string(decoded.positions) + " positions and " +
                                std::to_string(allowed.size(1)) + " tokens; the model holds " +
                                std::to_string(config.max_length) + " and " + std::to_string(config.vocab));
  prompt = prompt.to(device);
  auto mask = allowed.to(device);
  const Decoded result = decode.temperature
                             ? sample_decode(model, prompt, steps, mask, *decode.temperature, generator, {}, stop)
                             : greedy_decode(model, prompt, steps, mask, {}, stop);
  if (!result.complete(steps)) {  // out of budget: unanswered
    decoded.answers.assign(group.size(), torch::Tensor());
    return decoded;
  }
  auto tokens = result.tokens.to(torch::kCPU).contiguous();
  for (size_t i = 0; i < group.size(); ++i) {
    auto row = tokens[int64_t(i)];
    std::vector<int64_t> ids(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + steps);
    decoded.answers.push_back(task.answer_from_tokens(as_tensor_problem(*group[i]), ids));
  }
  return decoded;
}

ArTransformer load_ar_model(const TensorTask& task, const std::string& path, const torch::Device& device) {
  const auto metadata = read_checkpoint_metadata(path);
  const std::string expected = checkpoint_kind(task, ModelKind::Autoregressive);
  const std::string found = metadata.value("kind", std::string("?"));
  if (found != expected) throw CheckpointError(path, "holds a '" + found + "' model, not '" + expected + "'");
  if (metadata.value("task", "") != task.name())
    throw CheckpointError(path, "a model of task '" + metadata.value("task", std::string("?")) + "', not '" + task.name() + "'");
  ArTransformerConfig config;
  try {
    config = ArTransformerConfig::from_json(metadata.at("architecture"));
  } catch (const std::exception& e) {
    throw CheckpointError(path, std::string("architecture: ") + e.what());
  }
  if (config.vocab != task.token_vocabulary())
    throw CheckpointError(path, "a vocabulary of " + std::to_string(config.vocab) + " tokens, the task has " +
                                    std::to_string(task.token_vocabulary()));
  require_weights_fit(path, double(config.parameter_count()));
  ArTransformer model(config);
  load_checkpoint(path, *model, {expected, config.to_json()}, device);
  model->eval();
  for (auto& p : model->parameters()) p.requires_grad_(false);
  return model;
}

}  // namespace ebm::tensor
