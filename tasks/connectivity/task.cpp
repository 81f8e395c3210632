#include "tasks/connectivity/task.h"

#include "tasks/connectivity/network.h"
#include "tasks/tensor/graphs.h"
#include "tasks/tensor/graph_task.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ebm::connectivity {

namespace {

constexpr int64_t kNodes = 12, kHarderNodes = 18;
constexpr double kDegreeFraction = 0.2;  // IRED's p of connectivity-2
constexpr int64_t kSeparator = 2;

// Connected (1) or not (0) per entry, int64 [n, n], from one-hot rows [n*n, 2].
torch::Tensor connected_of(const torch::Tensor& answer, int64_t n) { return answer.argmax(-1).reshape({n, n}); }

torch::Tensor connectivity_of(const tensor::TensorProblem& problem) {
  return tensor::reachability(tensor::Digraph::from_tensor(problem.condition)).to(torch::kLong);
}

// The entries (i, j), i < j, of an [n, n] matrix, row-major, as tokens 0/1.
std::vector<int64_t> upper_triangle_bits(const torch::Tensor& matrix) {
  const int64_t n = matrix.size(0);
  auto values = matrix.to(torch::kLong).contiguous();
  auto a = values.accessor<int64_t, 2>();
  std::vector<int64_t> bits;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) bits.push_back(a[i][j] != 0 ? 1 : 0);
  return bits;
}

class ConnectivityTask : public tensor::GraphTask {
 public:
  std::string name() const override { return "connectivity"; }
  std::string summary() const override {
    return "which node pairs of an undirected 12-node DNC graph a path joins (IRED); harder split: 18 nodes";
  }
  std::string harder_split_description() const override {
    return "graphs of 18 nodes instead of 12 (out-degree bound 3 instead of 2)";
  }

  int64_t size_of(Split split) const override { return split == Split::Harder ? kHarderNodes : kNodes; }
  std::vector<int64_t> condition_shape(int64_t size) const override { return {size, size}; }
  AnswerSpace answer_space(int64_t size) const override { return AnswerSpace::one_hot(size * size, 2); }

  tensor::Draw draw(Split, int64_t size, std::mt19937_64& rng) const override {
    auto graph = tensor::dnc_graph(size, tensor::dnc_max_out_degree(size, kDegreeFraction), /*directed=*/false, rng);
    auto connected = tensor::reachability(graph).to(torch::kLong).reshape({-1});
    return {graph.to_tensor(), torch::one_hot(connected, 2).to(torch::kFloat)};
  }

  std::string condition_error(const torch::Tensor& condition) const override {
    return tensor::adjacency_error(condition, /*undirected=*/true);
  }

  bool check(const tensor::TensorProblem& problem, const torch::Tensor& answer, std::string* why) const override {
    const int64_t n = problem.size;
    auto expected = connectivity_of(problem);
    auto given = connected_of(answer, n);
    auto wrong = (given != expected).nonzero();
    if (wrong.size(0) == 0) return true;
    if (why) {
      const int64_t i = wrong[0][0].item<int64_t>(), j = wrong[0][1].item<int64_t>();
      *why = "pair (" + std::to_string(i) + ", " + std::to_string(j) + "): the answer says " +
             (expected[i][j].item<int64_t>() ? "not connected, but a path joins them" : "connected, but no path joins them") +
             " (" + std::to_string(wrong.size(0)) + " wrong entries)";
    }
    return false;
  }

  std::map<std::string, double> measures(const tensor::TensorProblem& problem, const torch::Tensor& answer) const override {
    auto right = connected_of(answer, problem.size) == connectivity_of(problem);
    return {{"accuracy", right.to(torch::kDouble).mean().item<double>()}};
  }
  bool check_uses_problem_only() const override { return true; }

  nlohmann::json default_architecture(tensor::ModelKind kind) const override {
    return connectivity::default_architecture(kind == tensor::ModelKind::Energy);
  }
  std::shared_ptr<LandscapeEnergy> make_energy_network(const nlohmann::json& architecture) const override {
    return connectivity::make_energy(architecture);
  }
  std::shared_ptr<Regressor> make_feedforward_network(const nlohmann::json& architecture) const override {
    return connectivity::make_regressor(architecture);
  }

  int64_t token_vocabulary() const override { return 3; }
  std::vector<int64_t> prompt_tokens(const tensor::TensorProblem& problem) const override {
    auto tokens = upper_triangle_bits(problem.condition);
    tokens.push_back(kSeparator);
    return tokens;
  }
  std::vector<int64_t> answer_tokens(const tensor::TensorProblem& problem, const torch::Tensor& answer) const override {
    return upper_triangle_bits(connected_of(answer, problem.size));
  }
  torch::Tensor allowed_tokens(const tensor::TensorProblem& problem) const override {
    const int64_t n = problem.size;
    auto allowed = torch::zeros({n * (n - 1) / 2, 3}, torch::kBool);
    allowed.narrow(1, 0, 2).fill_(true);  // bits only, never SEP
    return allowed;
  }
  torch::Tensor answer_from_tokens(const tensor::TensorProblem& problem, const std::vector<int64_t>& tokens) const override {
    const int64_t n = problem.size;
    if (int64_t(tokens.size()) != n * (n - 1) / 2)
      throw std::invalid_argument("connectivity: " + std::to_string(tokens.size()) + " answer tokens for " +
                                  std::to_string(n) + " nodes, " + std::to_string(n * (n - 1) / 2) + " expected");
    auto connected = torch::eye(n, torch::kLong);
    auto a = connected.accessor<int64_t, 2>();
    size_t next = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i + 1; j < n; ++j, ++next) {
        if (tokens[next] != 0 && tokens[next] != 1)
          throw std::invalid_argument("connectivity: answer token " + std::to_string(tokens[next]) + " is not a bit");
        a[i][j] = a[j][i] = tokens[next];
      }
    return torch::one_hot(connected.reshape({-1}), 2).to(torch::kFloat);
  }
};

}  // namespace

TaskPtr make_task() { return std::make_shared<ConnectivityTask>(); }

}  // namespace ebm::connectivity
