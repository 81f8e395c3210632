// The parts of a TensorTask's AR baseline that training and solving share: sequences as tensors,
// the model's size, loading a checkpoint, and decoding a group of same-size problems (ebm/tasks/tensor/ar.h
// describes the baseline).
#pragma once

#include "ebm/learning/ar_transformer.h"
#include "tasks/tensor/tensor_task.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ebm::tensor {

// The longest prompt + answer of the task's usual and harder split (a reference problem of each):
// the position table's length.
int64_t longest_ar_sequence(const TensorTask& task);

// Prompt + reference-answer tokens of problems of one size: int64 [B, P + A], and P.
struct TokenBatch {
  torch::Tensor tokens;
  int64_t prompt_length = 0;
};
// Throws std::invalid_argument when the problems' sequences differ in length or a problem has no
// reference answer.
TokenBatch teacher_batch(const TensorTask& task, const std::vector<std::shared_ptr<TensorProblem>>& problems);

// greedy, or sample at a temperature.
struct ArDecode {
  std::optional<double> temperature;  // empty = greedy
  std::string text() const;           // "greedy" | "sample:T"
  // "greedy" | "sample:T" with T > 0; throws std::invalid_argument naming the text otherwise.
  static ArDecode parse(const std::string& text);
};

// Answers [*answer_shape] of problems that share a size (TensorTask::batchable), decoded under the
// first problem's allowed_tokens, and the positions fed per problem. `generator` is used by sampling.
// `stop` (optional, e.g. a time budget spent) ends decoding early: every answer is then an undefined
// tensor (unanswered), never a half-decoded one. Throws std::invalid_argument when a sequence does
// not fit the model (naming the problem's source).
struct DecodedGroup {
  std::vector<torch::Tensor> answers;
  int64_t positions = 0;  // P + steps - 1
};
DecodedGroup decode_group(ArTransformer& model, const TensorTask& task, const std::vector<ProblemPtr>& group,
                          const ArDecode& decode, torch::Generator& generator, const torch::Device& device,
                          const DecodeStop& stop = {});

// The AR model of a checkpoint of kind "NAME-ar", in eval mode with frozen parameters. Throws
// CheckpointError naming a wrong kind, task, architecture or vocabulary.
ArTransformer load_ar_model(const TensorTask& task, const std::string& path, const torch::Device& device);

}  // namespace ebm::tensor
