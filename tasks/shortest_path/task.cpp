#include "tasks/shortest_path/task.h"

#include "tasks/shortest_path/network.h"
#include "tasks/tensor/graphs.h"
#include "tasks/tensor/graph_task.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ebm::shortest_path {

namespace {

constexpr int64_t kNodes = 15, kHarderNodes = 25;
constexpr double kDegreeFraction = 0.5;  // IRED's GraphPathEnv p
constexpr int64_t kMinDistance = 2, kMaxDistance = 4;
constexpr int64_t kSeparator = 2, kFirstNodeToken = 3;

// A problem's graph, endpoints and hop distances, read from its condition [n, n + 2].
struct Route {
  tensor::Digraph graph;
  int64_t start = 0, goal = 0;
  std::vector<int64_t> distance;  // hop_distances(graph)

  explicit Route(const torch::Tensor& condition)
      : graph(tensor::Digraph::from_tensor(condition.narrow(1, 0, condition.size(0)))),
        start(condition.select(1, graph.nodes).argmax().item<int64_t>()),
        goal(condition.select(1, graph.nodes + 1).argmax().item<int64_t>()),
        distance(tensor::hop_distances(graph)) {}
  int64_t to_goal(int64_t node) const { return distance[size_t(node * graph.nodes + goal)]; }
};

torch::Tensor condition_of(const tensor::Digraph& graph, int64_t start, int64_t goal) {
  const int64_t n = graph.nodes;
  auto condition = torch::zeros({n, n + 2}, torch::kFloat);
  condition.narrow(1, 0, n).copy_(graph.to_tensor());
  condition[start][n] = 1.0f;
  condition[goal][n + 1] = 1.0f;
  return condition;
}

std::vector<int64_t> plan_of(const torch::Tensor& answer) {
  auto steps = answer.argmax(-1).to(torch::kLong).contiguous();
  return std::vector<int64_t>(steps.data_ptr<int64_t>(), steps.data_ptr<int64_t>() + steps.numel());
}

// "" when `plan` walks a shortest path from the start and stays at the goal, else the first fault.
std::string plan_fault(const Route& route, const std::vector<int64_t>& plan) {
  const int64_t d = route.to_goal(route.start);
  if (d < 0) return "the goal cannot be reached from the start";
  if (d > int64_t(plan.size()))
    return "the goal lies " + std::to_string(d) + " moves away, more than the plan's " + std::to_string(plan.size());
  int64_t here = route.start;
  for (size_t t = 0; t < plan.size(); ++t) {
    const int64_t next = plan[t];
    const std::string step = "step " + std::to_string(t) + " (" + std::to_string(here) + " -> " + std::to_string(next) + ")";
    if (here == route.goal) {
      if (next != route.goal) return step + " leaves the goal";
      continue;
    }
    if (!route.graph.edge(here, next)) return step + " follows no edge";
    if (route.to_goal(next) != route.to_goal(here) - 1) return step + " does not bring the goal one move closer";
    here = next;
  }
  return "";
}

class ShortestPathTask : public tensor::GraphTask {
 public:
  std::string name() const override { return "shortest-path"; }
  std::string summary() const override {
    return "an 8-step plan along a shortest path of a directed 15-node DNC graph (IRED planning); harder split: 25 nodes";
  }
  std::string harder_split_description() const override {
    return "graphs of 25 nodes instead of 15 (out-degree bound 12 instead of 7)";
  }

  int64_t size_of(Split split) const override { return split == Split::Harder ? kHarderNodes : kNodes; }
  std::vector<int64_t> condition_shape(int64_t size) const override { return {size, size + 2}; }
  AnswerSpace answer_space(int64_t size) const override { return AnswerSpace::one_hot(kPlanSteps, size); }

  tensor::Draw draw(Split, int64_t size, std::mt19937_64& rng) const override {
    const int64_t d = std::uniform_int_distribution<int64_t>(kMinDistance, kMaxDistance)(rng);
    if (d >= size) throw std::invalid_argument("shortest-path: " + std::to_string(size) + " nodes are too few");
    const int64_t bound = tensor::dnc_max_out_degree(size, kDegreeFraction);
    while (true) {
      auto graph = tensor::dnc_graph(size, bound, /*directed=*/true, rng);
      const auto distance = tensor::hop_distances(graph);
      std::vector<int64_t> pairs;  // index s * n + g of pairs at distance d
      for (size_t p = 0; p < distance.size(); ++p)
        if (distance[p] == d) pairs.push_back(int64_t(p));
      if (pairs.empty()) continue;
      const int64_t pair = pairs[std::uniform_int_distribution<size_t>(0, pairs.size() - 1)(rng)];
      const auto condition = condition_of(graph, pair / size, pair % size);
      return {condition, torch::one_hot(torch::tensor(random_shortest_plan(Route(condition), rng)), size).to(torch::kFloat)};
    }
  }

  std::string condition_error(const torch::Tensor& condition) const override {
    const int64_t n = condition.size(0);
    if (auto error = tensor::adjacency_error(condition.narrow(1, 0, n), /*undirected=*/false); !error.empty()) return error;
    for (auto [column, what] : {std::pair<int64_t, const char*>{n, "start"}, {n + 1, "goal"}}) {
      auto marks = condition.select(1, column);
      if (!((marks == 0) | (marks == 1)).all().item<bool>() || marks.sum().item<double>() != 1.0)
        return std::string("the ") + what + " column must be one-hot (one node marked 1)";
    }
    return "";
  }

  bool check(const tensor::TensorProblem& problem, const torch::Tensor& answer, std::string* why) const override {
    const auto fault = plan_fault(Route(problem.condition), plan_of(answer));
    if (fault.empty()) return true;
    if (why) *why = fault;
    return false;
  }

  std::map<std::string, double> measures(const tensor::TensorProblem& problem, const torch::Tensor& answer) const override {
    const Route route(problem.condition);
    const auto plan = plan_of(answer);
    const int64_t first = plan.front(), d = route.to_goal(route.start);
    const bool first_ok = route.start == route.goal
                              ? first == route.goal
                              : route.graph.edge(route.start, first) && route.to_goal(first) >= 0 && route.to_goal(first) < d;
    std::map<std::string, double> m = {{"first_action_success", first_ok ? 1.0 : 0.0}};
    if (problem.reference.defined()) {
      const auto reference = plan_of(problem.reference);
      double same = 0;
      for (size_t t = 0; t < plan.size(); ++t) same += plan[t] == reference[t];
      m["accuracy"] = same / double(plan.size());
    }
    return m;
  }
  bool check_uses_problem_only() const override { return true; }

  nlohmann::json default_architecture(tensor::ModelKind kind) const override {
    return shortest_path::default_architecture(kind == tensor::ModelKind::Energy);
  }
  std::shared_ptr<LandscapeEnergy> make_energy_network(const nlohmann::json& architecture) const override {
    return shortest_path::make_energy(architecture);
  }
  std::shared_ptr<Regressor> make_feedforward_network(const nlohmann::json& architecture) const override {
    return shortest_path::make_regressor(architecture);
  }

  int64_t token_vocabulary() const override { return kFirstNodeToken + kHarderNodes; }
  std::vector<int64_t> prompt_tokens(const tensor::TensorProblem& problem) const override {
    const int64_t n = require_tokenisable(problem);
    const Route route(problem.condition);
    std::vector<int64_t> tokens;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        if (i != j) tokens.push_back(route.graph.edge(i, j) ? 1 : 0);
    tokens.push_back(kFirstNodeToken + route.start);
    tokens.push_back(kFirstNodeToken + route.goal);
    tokens.push_back(kSeparator);
    return tokens;
  }
  std::vector<int64_t> answer_tokens(const tensor::TensorProblem& problem, const torch::Tensor& answer) const override {
    require_tokenisable(problem);
    auto tokens = plan_of(answer);
    for (auto& token : tokens) token += kFirstNodeToken;
    return tokens;
  }
  torch::Tensor allowed_tokens(const tensor::TensorProblem& problem) const override {
    const int64_t n = require_tokenisable(problem);
    auto allowed = torch::zeros({kPlanSteps, token_vocabulary()}, torch::kBool);
    allowed.narrow(1, kFirstNodeToken, n).fill_(true);  // node ids of this graph only
    return allowed;
  }
  torch::Tensor answer_from_tokens(const tensor::TensorProblem& problem, const std::vector<int64_t>& tokens) const override {
    const int64_t n = problem.size;
    if (int64_t(tokens.size()) != kPlanSteps)
      throw std::invalid_argument("shortest-path: " + std::to_string(tokens.size()) + " answer tokens, " +
                                  std::to_string(kPlanSteps) + " expected");
    std::vector<int64_t> nodes;
    for (int64_t token : tokens) {
      if (token < kFirstNodeToken || token >= kFirstNodeToken + n)
        throw std::invalid_argument("shortest-path: answer token " + std::to_string(token) + " is not a node of the graph");
      nodes.push_back(token - kFirstNodeToken);
    }
    return torch::one_hot(torch::tensor(nodes), n).to(torch::kFloat);
  }

 private:
  // A shortest path from the start, each move to a successor one move closer to the goal drawn
  // uniformly, then the goal repeated: kPlanSteps nodes.
  static std::vector<int64_t> random_shortest_plan(const Route& route, std::mt19937_64& rng) {
    std::vector<int64_t> plan;
    int64_t here = route.start;
    while (int64_t(plan.size()) < kPlanSteps) {
      if (here != route.goal) {
        std::vector<int64_t> closer;
        for (int64_t v = 0; v < route.graph.nodes; ++v)
          if (route.graph.edge(here, v) && route.to_goal(v) == route.to_goal(here) - 1) closer.push_back(v);
        here = closer[std::uniform_int_distribution<size_t>(0, closer.size() - 1)(rng)];
      }
      plan.push_back(here);
    }
    return plan;
  }
  static int64_t require_tokenisable(const tensor::TensorProblem& problem) {
    if (problem.size > kHarderNodes)
      throw std::invalid_argument("shortest-path: the AR vocabulary names nodes 0.." + std::to_string(kHarderNodes - 1) +
                                  "; a graph of " + std::to_string(problem.size) + " nodes cannot be tokenised");
    return problem.size;
  }
};

}  // namespace

TaskPtr make_task() { return std::make_shared<ShortestPathTask>(); }

}  // namespace ebm::shortest_path
