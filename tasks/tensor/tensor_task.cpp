#include "tasks/tensor/tensor_task.h"

#include "ebm/learning/landscape_energy.h"
#include "ebm/model_files.h"
#include "tasks/tensor/models.h"
#include "tasks/tensor/training.h"

#include <torch/torch.h>

#include <cmath>
#include <istream>
#include <limits>
#include <ostream>
#include <stdexcept>

namespace ebm::tensor {

namespace {

// The element count of `shape`; the sizes reaching here are bounded (kMaxTensorProblemSize), and an
// overflowing product is refused rather than wrapped.
int64_t numel_of(const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (int64_t extent : shape)
    if (__builtin_mul_overflow(count, extent, &count)) throw TaskInputError("tensor shape too large");
  return count;
}

std::vector<double> flat_values(const torch::Tensor& t) {
  auto flat = t.detach().to(torch::kCPU).to(torch::kDouble).contiguous().reshape({-1});
  return std::vector<double>(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
}

// A JSON array of numbers of the expected length, as a float tensor of `shape`.
torch::Tensor tensor_field(const nlohmann::json& line, const char* key, const std::vector<int64_t>& shape,
                           const std::string& where) {
  const auto& field = line.at(key);
  if (!field.is_array()) throw TaskInputError(where + ": \"" + key + "\" must be an array of numbers");
  const int64_t expected = numel_of(shape);
  if (int64_t(field.size()) != expected)
    throw TaskInputError(where + ": \"" + key + "\" holds " + std::to_string(field.size()) + " numbers, " +
                         std::to_string(expected) + " expected for this size");
  std::vector<float> values;
  values.reserve(field.size());
  for (const auto& v : field) {
    if (!v.is_number()) throw TaskInputError(where + ": \"" + key + "\" holds a non-number: " + v.dump());
    const double x = v.get<double>();
    if (!std::isfinite(x)) throw TaskInputError(where + ": \"" + key + "\" holds a non-finite number");
    // Stored as float: a finite double beyond float's range (1.8e307) would become inf.
    if (std::fabs(x) > std::numeric_limits<float>::max())
      throw TaskInputError(where + ": \"" + key + "\" holds " + v.dump() + ", beyond the float range");
    values.push_back(static_cast<float>(x));
  }
  return torch::tensor(values, torch::kFloat).reshape(shape);
}

// Every row of a one-hot answer holds exactly one 1 and zeros elsewhere.
void require_one_hot(const torch::Tensor& answer, const std::string& where) {
  const bool binary = ((answer == 0) | (answer == 1)).all().item<bool>();
  if (!binary || !(answer.sum(-1) == 1).all().item<bool>())
    throw TaskInputError(where + ": \"answer\" must be one-hot per variable (one 1 per row of categories)");
}

}  // namespace

const char* model_kind_name(ModelKind kind) {
  switch (kind) {
    case ModelKind::Energy: return "energy";
    case ModelKind::Feedforward: return "feedforward";
  }
  return "unknown";
}

const TensorProblem& as_tensor_problem(const Problem& problem) {
  return downcast<TensorProblem>(problem, "not a tensor task's problem");
}

const torch::Tensor& answer_value(const Answer& answer) {
  return downcast<TensorAnswer>(answer, "not a tensor task's answer").value;
}

std::string TensorTask::input_format() const {
  return "JSON lines (.jsonl), one problem per line: {\"size\": N, \"condition\": [numbers], \"answer\": [numbers]}\n"
         "with the numbers row-major (see docs/IRED.md for each task's layout); \"answer\" is optional.\n"
         "`ebm generate " + name() + "` writes this format.";
}

std::string TensorTask::output_format() const {
  return "one JSON line per problem: {\"answer\": [numbers] or null, \"verified\": true|false}";
}

std::vector<ParameterInfo> TensorTask::parameters() const {
  std::vector<ParameterInfo> infos = {
      {"size", "0", "problem size of generated data (matrix order / graph nodes); 0 = the split's size",
       GenerateParameter}};
  const auto defaults = training_defaults();
  for (auto p : training_parameters()) {
    if (auto found = defaults.find(p.name); found != defaults.end()) p.default_value = found->second;
    infos.push_back(p);
  }
  return infos;
}

std::shared_ptr<TensorProblem> TensorTask::make_problem(int64_t size, Draw draw) const {
  auto problem = std::make_shared<TensorProblem>();
  problem->size = size;
  problem->condition = draw.condition.to(torch::kFloat).contiguous();
  if (draw.answer.defined()) problem->reference = draw.answer.to(torch::kFloat).contiguous();
  problem->source = "generated";
  return problem;
}

std::vector<Example> TensorTask::read(std::istream& in, const std::string& source, const TaskParameters&) const {
  std::vector<Example> examples;
  std::string text;
  int64_t line_number = 0;
  while (std::getline(in, text)) {
    ++line_number;
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos || text[first] == '#') continue;
    const std::string where = source + ":" + std::to_string(line_number);
    nlohmann::json line;
    try {
      line = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw TaskInputError(where + ": not a JSON object (" + std::string(e.what()) + ")");
    }
    if (!line.is_object() || !line.contains("size") || !line.contains("condition"))
      throw TaskInputError(where + ": expected {\"size\": N, \"condition\": [...], \"answer\": [...]}");
    if (!line["size"].is_number_integer() || line["size"].get<int64_t>() < 1 ||
        line["size"].get<int64_t>() > kMaxTensorProblemSize)
      throw TaskInputError(where + ": \"size\" must be an integer in [1, " + std::to_string(kMaxTensorProblemSize) + "]");
    const int64_t size = line["size"].get<int64_t>();
    Draw draw;
    draw.condition = tensor_field(line, "condition", condition_shape(size), where);
    if (const auto error = condition_error(draw.condition); !error.empty()) throw TaskInputError(where + ": " + error);
    const auto space = answer_space(size);
    if (line.contains("answer") && !line["answer"].is_null()) {
      draw.answer = tensor_field(line, "answer", space.shape, where);
      if (space.is_categorical()) require_one_hot(draw.answer, where);
    }
    auto problem = make_problem(size, draw);
    problem->source = where;
    Example example{problem, nullptr};
    if (problem->reference.defined()) {
      std::string why;
      if (!check(*problem, problem->reference, &why))
        throw TaskInputError(where + ": the given answer does not solve the problem: " + why);
      auto solution = std::make_shared<TensorAnswer>();
      solution->value = problem->reference;
      example.solution = solution;
    }
    examples.push_back(example);
  }
  if (examples.empty()) throw TaskInputError(source + ": no problems found");
  return examples;
}

void TensorTask::write_problems(std::ostream& out, const std::vector<Example>& examples) const {
  for (const auto& example : examples) {
    const auto& problem = as_tensor_problem(*example.problem);
    nlohmann::json line = {{"size", problem.size}, {"condition", flat_values(problem.condition)}};
    if (example.solution) line["answer"] = flat_values(answer_value(*example.solution));
    else if (problem.reference.defined()) line["answer"] = flat_values(problem.reference);
    out << line.dump() << "\n";
  }
}

void TensorTask::write_answer(std::ostream& out, const Problem& problem, const Answer* answer) const {
  nlohmann::json line = {{"answer", nullptr}, {"verified", false}};
  if (answer) {
    line["answer"] = flat_values(answer_value(*answer));
    line["verified"] = verify(problem, *answer);
  }
  out << line.dump() << "\n";
}

nlohmann::json TensorTask::answer_json(const Problem&, const Answer& answer) const {
  return flat_values(answer_value(answer));
}

nlohmann::json TensorTask::problem_fields(const Problem& problem) const {
  return {{"size", as_tensor_problem(problem).size}};
}

uint64_t TensorTask::fingerprint(const Problem& problem) const {
  const auto& p = as_tensor_problem(problem);
  auto bytes = p.condition.contiguous();
  std::string text = std::to_string(p.size) + ":";
  text.append(static_cast<const char*>(bytes.data_ptr()), bytes.numel() * bytes.element_size());
  return content_fingerprint(text);
}

std::vector<std::shared_ptr<TensorProblem>> TensorTask::draw_problems(Split split, int64_t count, uint64_t seed,
                                                                      int64_t size) const {
  if (size <= 0) size = size_of(split);
  const Split bucket = content_split(split);
  std::vector<std::shared_ptr<TensorProblem>> problems;
  for (uint64_t candidate = 0; int64_t(problems.size()) < count; ++candidate) {
    if (candidate > uint64_t(count) * 1000 + 1000)
      throw std::runtime_error(name() + ": the generator found too few problems of the " + split_name(split) + " split");
    std::mt19937_64 rng(splitmix64(seed * 0x9E3779B97F4A7C15ULL + candidate));
    auto problem = make_problem(size, draw(split, size, rng));
    if (split_of(fingerprint(*problem)) == bucket) problems.push_back(problem);
  }
  return problems;
}

std::vector<Example> TensorTask::generate(const GenerateRequest& request) const {
  const int64_t size = parameter_int(request.parameters, parameters(), "size");
  if (size < 0 || size > kMaxTensorProblemSize)
    throw TaskInputError("--size must be in [0, " + std::to_string(kMaxTensorProblemSize) + "] (0 = the split's size)");
  std::vector<Example> examples;
  for (auto& problem : draw_problems(request.split, request.count, request.seed, size)) {
    auto solution = std::make_shared<TensorAnswer>();
    solution->value = problem->reference;
    examples.push_back({problem, solution});
  }
  return examples;
}

std::string landscape_descent_spec(int64_t steps) {
  // Step 0.5 halves the distance to a perfectly learned minimum at every step.
  return "anneal:landscapes=true/gd:step=0.5,track_best=false,steps=" + std::to_string(steps);
}

std::string TensorTask::default_sampler(const std::string&) const { return landscape_descent_spec(20); }

EnergyPtr TensorTask::make_energy(const EnergyChoice& choice, const std::vector<ProblemPtr>&,
                                  const torch::Device& device) const {
  if (choice.name != "learned" && !choice.name.empty())
    throw std::invalid_argument("task '" + name() + "' has one energy, 'learned' (not '" + choice.name + "')");
  if (choice.learned) return choice.learned;
  return load_energy(*this, choice.model.empty() ? shipped_model(ModelKind::Energy) : choice.model, device);
}

bool TensorTask::batchable(const Problem& a, const Problem& b) const {
  return as_tensor_problem(a).size == as_tensor_problem(b).size;
}

Encoding TensorTask::encode(const std::vector<ProblemPtr>& batch, const torch::Device& device) const {
  if (batch.empty()) throw std::invalid_argument(name() + ": empty batch");
  std::vector<torch::Tensor> conditions;
  const int64_t size = as_tensor_problem(*batch.front()).size;
  for (const auto& p : batch) {
    const auto& problem = as_tensor_problem(*p);
    if (problem.size != size) throw std::invalid_argument(name() + ": problems of different sizes in one batch");
    conditions.push_back(problem.condition);
  }
  Encoding e;
  e.problems = int64_t(batch.size());
  e.condition = torch::stack(conditions).to(device);
  e.space = answer_space(size);
  if (check_uses_problem_only()) {
    e.verifier = [this, batch](const torch::Tensor& decoded, const torch::Tensor& problem_index) {
      auto index = problem_index.to(torch::kCPU);
      auto states = decoded.to(torch::kCPU);
      auto accepted = torch::zeros({index.size(0)}, torch::kBool);
      for (int64_t r = 0; r < index.size(0); ++r) {
        const auto& problem = *batch.at(index[r].item<int64_t>());
        auto answer = answer_value(*decode(problem, states.narrow(0, r, 1)));
        accepted[r] = check(as_tensor_problem(problem), answer, nullptr);
      }
      return accepted.to(decoded.device());
    };
  }
  return e;
}

AnswerPtr TensorTask::decode(const Problem& problem, const torch::Tensor& states) const {
  const auto& p = as_tensor_problem(problem);
  const auto space = answer_space(p.size);
  auto answer = std::make_shared<TensorAnswer>();
  auto state = states.select(0, 0).to(torch::kCPU);
  if (space.is_categorical()) {
    // A decoded state holds categories [V]; a raw one rows over categories [V, K].
    auto categories = state.dim() == 1 ? state.to(torch::kLong) : state.argmax(-1);
    answer->value = torch::one_hot(categories, space.num_categories()).to(torch::kFloat);
  } else {
    answer->value = state.to(torch::kFloat).reshape(space.shape);
  }
  return answer;
}

bool TensorTask::verify(const Problem& problem, const Answer& answer, std::string* why) const {
  const auto& p = as_tensor_problem(problem);
  const auto& value = answer_value(answer);
  const auto space = answer_space(p.size);
  if (value.sizes().vec() != space.shape) {
    if (why) *why = "the answer has the wrong shape";
    return false;
  }
  if (!torch::isfinite(value).all().item<bool>()) {
    if (why) *why = "the answer holds a non-finite number";
    return false;
  }
  return check(p, value, why);
}

std::map<std::string, double> TensorTask::measure(const Problem& problem, const Answer& answer, const Answer*) const {
  return measures(as_tensor_problem(problem), answer_value(answer));
}

bool TensorTask::same_answer(const Answer& answer, const Answer& solution) const {
  return torch::equal(answer_value(answer), answer_value(solution));
}

std::string TensorTask::shipped_model(ModelKind kind) const {
  const std::string file = name() + "-" + model_kind_name(kind) + ".ckpt";
  const std::string found = shipped_model_file(file);
  return found.empty() ? "models/" + file : found;  // a missing file is then named in the error
}

std::unique_ptr<Solver> TensorTask::make_solver(const std::string& spec, const SolverContext& context) const {
  return make_model_solver(*this, spec, context);
}

std::string TensorTask::solver_help() const {
  return "feedforward[:MODEL] (one forward pass, default " + shipped_model(ModelKind::Feedforward) + ")";
}

std::unique_ptr<TrainingRecipe> TensorTask::training_recipe(const TrainingOptions& options,
                                                            const TaskParameters& parameters) const {
  return make_model_recipe(*this, options, parameters);
}

std::unique_ptr<ExampleStream> TensorTask::example_stream(const TrainingOptions& options,
                                                          const TaskParameters& parameters) const {
  return make_example_stream(*this, options, parameters);
}

}  // namespace ebm::tensor
