#include "ebm/task.h"

#include "ebm/checkpoint.h"
#include "ebm/solver.h"
#include "ebm/trainer.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace ebm {

std::string parameter_value(const TaskParameters& parameters, const std::vector<ParameterInfo>& infos,
                            const std::string& name) {
  if (auto it = parameters.find(name); it != parameters.end()) return it->second;
  for (const auto& info : infos)
    if (info.name == name) return info.default_value;
  throw TaskInputError("no parameter --" + name);
}

double parameter_double(const TaskParameters& parameters, const std::vector<ParameterInfo>& infos,
                        const std::string& name) {
  const std::string text = parameter_value(parameters, infos, name);
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(value))
    throw TaskInputError("--" + name + ": expected a finite number, got '" + text + "'");
  return value;
}

int64_t parameter_int(const TaskParameters& parameters, const std::vector<ParameterInfo>& infos,
                      const std::string& name) {
  const std::string text = parameter_value(parameters, infos, name);
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE)
    throw TaskInputError("--" + name + ": expected an integer, got '" + text + "'");
  return value;
}

Split split_of(uint64_t fingerprint) {
  const uint64_t bucket = fingerprint % 10;
  if (bucket < 8) return Split::Train;
  return bucket == 8 ? Split::Validation : Split::Test;
}

const char* split_name(Split split) {
  switch (split) {
    case Split::Train: return "train";
    case Split::Validation: return "validation";
    case Split::Test: return "test";
    case Split::Harder: return "harder";
  }
  return "unknown";
}

Split parse_split(const std::string& name) {
  if (name == "train") return Split::Train;
  if (name == "validation") return Split::Validation;
  if (name == "test") return Split::Test;
  if (name == "harder") return Split::Harder;
  throw TaskInputError("unknown split '" + name + "' (train, validation, test, harder)");
}

Split content_split(Split split) { return split == Split::Harder ? Split::Test : split; }

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

uint64_t content_fingerprint(const std::string& bytes) {
  // A final avalanche (splitmix64's mixing, without its increment) so that fingerprint % 10 uses
  // every input bit. Changing it would move every generated problem to another split.
  uint64_t x = fnv1a64(bytes.data(), bytes.size());
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::vector<Example> generate_examples(const Task& task, const GenerateRequest& request) {
  if (!task.can_generate()) throw TaskInputError("task '" + task.name() + "' has no generator");
  if (request.split == Split::Harder && !task.has_harder_split())
    throw TaskInputError("task '" + task.name() + "' has no harder split (train, validation, test)");
  return task.generate(request);
}

std::vector<Example> Task::generate(const GenerateRequest&) const {
  throw TaskInputError("task '" + name() + "' has no generator");
}

std::unique_ptr<Solver> Task::make_solver(const std::string&, const SolverContext&) const { return nullptr; }

std::unique_ptr<TrainingRecipe> Task::training_recipe(const TrainingOptions&, const TaskParameters&) const {
  return nullptr;
}

std::unique_ptr<ExampleStream> Task::example_stream(const TrainingOptions&, const TaskParameters&) const {
  return nullptr;
}

std::vector<Example> ExampleStream::examples() const {
  throw std::invalid_argument("this task's training examples are a stream: they cannot be fitted all at once");
}

std::pair<torch::Tensor, int64_t> ExampleStream::answer_categories(const std::vector<Example>&) const {
  throw std::invalid_argument("this task's answers are not categorical: no pairwise energy can learn them");
}

}  // namespace ebm
