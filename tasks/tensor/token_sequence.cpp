// A TensorTask's tokens as the AR baseline takes them (<ebm/token_sequence.h>): the task's own token
// functions (tensor_task.h), one tokenisation per task (no settings).
#include "tasks/tensor/tensor_task.h"

#include "ebm/token_sequence.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>

namespace ebm::tensor {

namespace {

// The longest prompt + answer of the task's usual and harder split (a reference problem of each).
int64_t longest_sequence(const TensorTask& task) {
  int64_t longest = 0;
  for (Split split : {Split::Train, Split::Harder}) {
    const auto problem = task.draw_problems(split, 1, 1).front();
    const auto length = task.prompt_tokens(*problem).size() + task.answer_tokens(*problem, problem->reference).size();
    longest = std::max(longest, int64_t(length));
  }
  return longest;
}

class TensorTokens : public TokenSequence {
 public:
  explicit TensorTokens(const TensorTask& task) : task_(task) {}
  nlohmann::json settings() const override { return nlohmann::json::object(); }
  int64_t vocabulary() const override { return task_.token_vocabulary(); }
  int64_t max_length() const override { return longest_sequence(task_); }  // drawn when asked: training, loading
  std::vector<int64_t> prompt(const Problem& problem) const override {
    return task_.prompt_tokens(as_tensor_problem(problem));
  }
  int64_t answer_length(const Problem& problem) const override {
    return task_.allowed_tokens(as_tensor_problem(problem)).size(0);
  }
  std::vector<int64_t> answer(const Problem& problem, const Answer& answer) const override {
    return task_.answer_tokens(as_tensor_problem(problem), answer_value(answer));
  }
  // Rows of one decoding batch share a size, so the first row's token types stand for all.
  StepMask decoding_mask(const std::vector<const Problem*>& rows, const torch::Device& device) const override {
    if (rows.empty()) throw std::invalid_argument(task_.name() + " AR: no problems to decode");
    const torch::Tensor allowed = task_.allowed_tokens(as_tensor_problem(*rows.front())).to(device);
    return [allowed](int64_t step, const torch::Tensor&) { return allowed[step]; };
  }
  AnswerPtr answer_from_tokens(const Problem& problem, const std::vector<int64_t>& tokens) const override {
    auto answer = std::make_shared<TensorAnswer>();
    answer->value = task_.answer_from_tokens(as_tensor_problem(problem), tokens);
    return answer;
  }

 private:
  const TensorTask& task_;
};

}  // namespace

std::shared_ptr<const TokenSequence> TensorTask::token_sequence(const TaskParameters&) const {
  if (token_vocabulary() == 0) return nullptr;
  return std::make_shared<TensorTokens>(*this);
}

}  // namespace ebm::tensor
