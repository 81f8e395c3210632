#include "solve_request.h"

#include "ebm/tasks/registry.h"

#include <cmath>
#include <set>
#include <sstream>

namespace ebm::serve {

namespace {

double milliseconds_field(const nlohmann::json& body, const char* name, double fallback, double limit) {
  if (!body.contains(name)) return fallback;
  const auto& value = body[name];
  if (!value.is_number()) throw BadRequest(std::string(name) + ": expected a number of milliseconds");
  const double ms = value.get<double>();
  if (!(ms > 0) || !std::isfinite(ms)) throw BadRequest(std::string(name) + ": must be > 0");
  if (ms > limit) {
    std::ostringstream message;
    message << name << ": " << ms << " exceeds this server's limit of " << limit << " ms";
    throw BadRequest(message.str());
  }
  return ms;
}

std::string string_field(const nlohmann::json& body, const char* name) {
  if (!body.contains(name) || body[name].is_null()) return "";
  if (!body[name].is_string()) throw BadRequest(std::string(name) + ": expected a string");
  return body[name].get<std::string>();
}

// The body as JSON. The parser's callback notes the last object key it read, so that a number the
// parser cannot hold is blamed on its field, and refuses nesting deeper than kMaxDepth.
nlohmann::json parse_body(const std::string& text) {
  constexpr int kMaxDepth = 64;
  std::string last_key = "body";
  auto watch = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (depth > kMaxDepth) throw BadRequest("malformed JSON: nested deeper than " + std::to_string(kMaxDepth) + " levels");
    if (event == nlohmann::json::parse_event_t::key && depth == 1) last_key = parsed.get<std::string>();
    return true;
  };
  try {
    return nlohmann::json::parse(text, watch);
  } catch (const nlohmann::json::out_of_range&) {
    throw BadRequest(last_key + ": number out of range");
  } catch (const nlohmann::json::exception& e) {
    throw BadRequest(std::string("malformed JSON: ") + e.what());
  }
}

}  // namespace

SolveRequest parse_solve_request(const std::string& text, const ServeLimits& limits) {
  const nlohmann::json body = parse_body(text);
  if (!body.is_object()) throw BadRequest("the body must be a JSON object");
  static const std::set<std::string> known = {"task", "problems", "budget_ms", "deadline_ms", "sampler",
                                              "energy", "seed", "id"};
  for (const auto& [key, value] : body.items())
    if (!known.count(key))
      throw BadRequest(key + ": unknown field (task, problems, budget_ms, deadline_ms, sampler, energy, seed, id)");

  SolveRequest request;
  if (!body.contains("task")) throw BadRequest("task: missing (one of " + task_names() + ")");
  const std::string task_name = string_field(body, "task");
  try {
    request.task = find_task(task_name);
  } catch (const std::invalid_argument&) {
    throw BadRequest("task: unknown task '" + task_name + "' (one of " + task_names() + ")");
  }
  if (!body.contains("problems") || !body["problems"].is_array())
    throw BadRequest("problems: expected an array of problems in the task's text form");
  const auto& problems = body["problems"];
  if (problems.empty()) throw BadRequest("problems: empty");
  if (static_cast<int64_t>(problems.size()) > limits.max_problems)
    throw BadRequest("problems: " + std::to_string(problems.size()) + " exceeds this server's limit of " +
                     std::to_string(limits.max_problems) + " per request");
  for (size_t i = 0; i < problems.size(); ++i) {
    const std::string field = "problems[" + std::to_string(i) + "]";
    if (!problems[i].is_string()) throw BadRequest(field + ": expected a string in the task's text form");
    std::istringstream in(problems[i].get<std::string>());
    std::vector<Example> examples;
    try {
      examples = request.task->read(in, field, {});
    } catch (const std::exception& e) {
      throw BadRequest(e.what());
    }
    if (examples.size() != 1)
      throw BadRequest(field + ": expected one problem, found " + std::to_string(examples.size()));
    request.problems.push_back(examples.front().problem);
  }
  request.energy = string_field(body, "energy");
  request.sampler = string_field(body, "sampler");
  request.budget_ms = milliseconds_field(body, "budget_ms", limits.default_budget_ms, limits.max_budget_ms);
  request.deadline_ms = milliseconds_field(body, "deadline_ms", limits.default_deadline_ms, limits.max_deadline_ms);
  if (body.contains("seed")) {
    if (!body["seed"].is_number_unsigned()) throw BadRequest("seed: expected an integer >= 0");
    request.seed = body["seed"].get<uint64_t>();
  }
  if (body.contains("id")) request.id = body["id"];
  return request;
}

nlohmann::json result_json(const Task& task, const Problem& problem, const SolvedProblem& solved, PoolStop why) {
  nlohmann::json result;
  if (solved.verified && solved.answer) {
    std::ostringstream out;
    task.write_answer(out, problem, solved.answer.get());
    std::string text = out.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    result["answer"] = text;
  } else {
    result["answer"] = nullptr;
  }
  result["verified"] = solved.verified;
  std::string status = pool_stop_name(why);
  if (!solved.verified && why == PoolStop::Verified) status = "unsolved";
  if (!solved.verified && why == PoolStop::Stopped) status = solved.answer ? "unsolved" : "failed";
  result["status"] = status;
  if (std::isfinite(solved.energy) && solved.answer)
    result["energy"] = solved.energy;
  else
    result["energy"] = nullptr;
  if (status == "failed") result["reason"] = solved.failure.empty() ? "no answer could be made" : solved.failure;
  result["steps"] = solved.steps;
  result["ms"] = std::round(solved.ms * 1000.0) / 1000.0;
  return result;
}

std::string json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ebm::serve
