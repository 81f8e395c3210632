// TokenSequence: a task's problems and answers as sequences of tokens, declared once by a task whose
// answer can be written so (Task::token_sequence). The one autoregressive (AR) baseline of the
// project (ebm/learning/ar_baseline.h) trains on it (`ebm train TASK --model ar`), loads its
// checkpoints and decodes with it (greedy, sampling, beam search, best-of-N, until-verified).
//
//   sequence = prompt(problem) + answer tokens        the prompt ends with the task's separator
//   training  teacher forcing: the answer tokens of a known answer (answer()) after the prompt
//   decoding  the model writes answer_length(problem) tokens under decoding_mask(); answer_from_tokens
//             turns them into an answer without any repair, and the task's exact verifier decides
//
// The mask says only what TYPE of token may stand at a position, and the bookkeeping the format
// implies (a given cell cannot change, a cell is not written twice): never the task's rules.
#pragma once

#include "ebm/task.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace ebm {

// What decoding may emit at generated position `step`, given the tokens generated so far:
// generated int64 [R, step] (R batch rows, on the decoding device) -> bool [R, vocabulary] (or
// [vocabulary] for every row alike). Every row must allow at least one token.
using StepMask = std::function<torch::Tensor(int64_t step, const torch::Tensor& generated)>;

class TokenSequence {
 public:
  virtual ~TokenSequence() = default;
  // The settings that pick this tokenisation among the task's (Sudoku: {"order": "fixed", "box": 3};
  // {} when a task has one). AR checkpoints record them beside the transformer's architecture, and
  // Task::token_sequence takes them back.
  virtual nlohmann::json settings() const = 0;
  // Token ids lie in [0, vocabulary()).
  virtual int64_t vocabulary() const = 0;
  // The longest prompt + answer this tokenisation writes for the task's problems (those of every
  // split, the harder one included): the length of the transformer's position table.
  virtual int64_t max_length() const = 0;
  // Throw std::invalid_argument naming the problem when it cannot be written (another size, say).
  virtual std::vector<int64_t> prompt(const Problem& problem) const = 0;
  virtual int64_t answer_length(const Problem& problem) const = 0;
  // The answer tokens of a known answer (answer_length(problem) of them).
  virtual std::vector<int64_t> answer(const Problem& problem, const Answer& answer) const = 0;
  // The mask for decoding batch rows whose problems are `rows` (a problem stands in several rows when
  // it is sampled or searched several times); every row shares one answer length.
  virtual StepMask decoding_mask(const std::vector<const Problem*>& rows, const torch::Device& device) const = 0;
  // The answer the generated tokens describe, as written (no repair); never null.
  virtual AnswerPtr answer_from_tokens(const Problem& problem, const std::vector<int64_t>& tokens) const = 0;
};

using TokenSequencePtr = std::shared_ptr<const TokenSequence>;

}  // namespace ebm
