// `import ebm`: the Python face of the public C++ API (<ebm/ebm.h>).
//
//   ebm.tasks()      registered tasks: name, one-line summary, energies, default sampler, parameters
//   ebm.samplers()   the sampler catalogue: name, summary, options with defaults and meanings
//   ebm.solve(task, problems, ...)       registered task, problems in the task's own text form
//   ebm.minimize(energy, space, ...)     a user's own energy (a torch.nn.Module) with ebm's samplers
//   ebm.real / categorical / one_hot / mixed   answer spaces (ebm/answer_space.h)
//
// Tensors cross without copies through torch's own casters. C++ runs with the GIL released; Python
// energies and verifiers re-acquire it (python_energy.h). std::invalid_argument and TaskInputError
// become ValueError.
#include "python_energy.h"

#include "ebm/ebm.h"

#include <pybind11/stl.h>

#include <limits>
#include <map>
#include <optional>
#include <sstream>

namespace ebm::python {

namespace {

py::list option_dicts(const std::vector<OptionInfo>& infos) {
  py::list out;
  for (const auto& info : infos) {
    out.append(py::dict(py::arg("key") = info.key, py::arg("type") = info.type,
                        py::arg("default") = info.default_value, py::arg("meaning") = info.meaning));
  }
  return out;
}

py::list task_list() {
  py::list out;
  for (const auto& task : all_tasks()) {
    py::list parameters;
    for (const auto& p : task->parameters()) {
      parameters.append(py::dict(py::arg("name") = p.name, py::arg("default") = p.default_value,
                                 py::arg("meaning") = p.meaning));
    }
    const auto energies = task->energy_names();
    out.append(py::dict(py::arg("name") = task->name(), py::arg("summary") = task->summary(),
                        py::arg("energies") = energies,
                        py::arg("default_sampler") = task->default_sampler(energies.front()),
                        py::arg("parameters") = parameters));
  }
  return out;
}

py::list sampler_list() {
  py::list out;
  for (const auto& entry : sampler_catalogue()) {
    out.append(py::dict(py::arg("name") = entry.name, py::arg("summary") = entry.summary,
                        py::arg("wrapper") = entry.wrapper, py::arg("spaces") = entry.spaces,
                        py::arg("options") = option_dicts(entry.options)));
  }
  return out;
}

// --- solve ---------------------------------------------------------------------------------------

struct SolveResult {
  std::string problem;                // the input text
  std::optional<std::string> answer;  // task.write_answer's text, stripped; None unless verified
  bool verified = false;              // task.verify's word
  double energy = 0.0;
  int64_t steps = 0, evaluations = 0, chains = 0;
  double ms = 0.0;
};

std::string stripped(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::vector<std::string> problem_texts(const py::handle& problems) {
  if (py::isinstance<py::str>(problems) || !py::isinstance<py::sequence>(problems)) {
    throw py::type_error("ebm.solve: problems must be a list of strings (one problem each, in the task's text form), got " +
                         std::string(py::str(py::type::of(problems).attr("__name__"))));
  }
  std::vector<std::string> texts;
  for (const auto& item : problems) {
    if (!py::isinstance<py::str>(item)) {
      throw py::type_error("ebm.solve: problems[" + std::to_string(texts.size()) + "] must be a string, got " +
                           std::string(py::str(py::type::of(item).attr("__name__"))));
    }
    texts.push_back(item.cast<std::string>());
  }
  return texts;
}

// One problem per text, read by the task's own parser; errors name problems[i].
std::vector<ProblemPtr> read_problems(const Task& task, const std::vector<std::string>& texts,
                                      const TaskParameters& parameters) {
  std::vector<ProblemPtr> problems;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string source = "problems[" + std::to_string(i) + "]";
    std::istringstream in(texts[i]);
    const auto examples = task.read(in, source, parameters);
    if (examples.size() != 1) {
      throw py::value_error(source + ": expected one " + task.name() + " problem, found " +
                            std::to_string(examples.size()));
    }
    problems.push_back(examples.front().problem);
  }
  return problems;
}

std::vector<SolveResult> solve(const std::string& task_name, const py::object& problems, double budget_ms,
                               const std::optional<std::string>& sampler, const std::optional<std::string>& energy,
                               uint64_t seed, int64_t batch, const TaskParameters& parameters) {
  const TaskPtr task = find_task(task_name);
  const auto texts = problem_texts(problems);
  const auto parsed = read_problems(*task, texts, parameters);
  EbmSettings settings;
  settings.budget_ms = budget_ms;
  settings.batch = batch;
  settings.seed = seed;
  settings.sampler = sampler.value_or("");
  settings.energy.name = energy.value_or("");
  SolveReport report;
  {
    py::gil_scoped_release release;
    report = solve_with_energy(*task, parsed, settings);
  }
  std::vector<SolveResult> results;
  for (size_t i = 0; i < parsed.size(); ++i) {
    const SolvedProblem& solved = report.problems.at(i);
    SolveResult result{texts[i],     std::nullopt,          solved.verified, solved.energy,
                       solved.steps, solved.evaluations, solved.chains,   solved.ms};
    if (solved.verified && solved.answer) {
      std::ostringstream out;
      task->write_answer(out, *parsed[i], solved.answer.get());
      result.answer = stripped(out.str());
    }
    results.push_back(std::move(result));
  }
  return results;
}

// --- minimize ------------------------------------------------------------------------------------

struct MinimizeResult {
  RunResult run;
  std::string spec;  // the canonical sampler text that ran
};

MinimizeResult minimize(const py::object& energy, const AnswerSpace& space, const std::string& spec, int64_t chains,
                        const std::optional<torch::Tensor>& condition, const std::optional<int64_t>& problems,
                        uint64_t seed, const std::optional<std::pair<torch::Tensor, torch::Tensor>>& clamp,
                        const py::object& verifier, bool trace) {
  DriverOptions defaults;
  defaults.chains = chains;
  defaults.seed = seed;
  defaults.trace = trace;
  SamplerSpec parsed = parse_sampler_spec(spec, defaults);

  RunRequest request;
  request.energy = std::make_shared<PythonEnergy>(energy);
  request.space = space;
  if (condition) {
    request.condition = *condition;
    if (condition->dim() < 1) throw py::value_error("ebm.minimize: condition must be [problems, ...]");
    request.problems = condition->size(0);
    if (problems && *problems != request.problems) {
      throw py::value_error("ebm.minimize: problems=" + std::to_string(*problems) + " but condition has " +
                            std::to_string(request.problems) + " rows");
    }
  } else {
    request.problems = problems.value_or(1);
  }
  if (clamp) request.clamp = Clamp{clamp->first.to(torch::kBool), clamp->second};
  if (!verifier.is_none()) request.verifier = python_verifier(verifier);

  MinimizeResult result;
  result.spec = parsed.text;
  {
    py::gil_scoped_release release;
    result.run = run_sampler(*parsed.sampler, request, parsed.driver);
  }
  return result;
}

// One field of every problem's result, in problem order.
template <typename T>
std::vector<T> per_problem(const MinimizeResult& result, T ProblemResult::*field) {
  std::vector<T> values;
  for (const auto& p : result.run.problems) values.push_back(p.*field);
  return values;
}

py::list trace_rows(const std::vector<TraceRow>& trace) {
  py::list out;
  for (const auto& row : trace) {
    out.append(py::dict(py::arg("step") = row.step, py::arg("elapsed_ms") = row.elapsed_ms,
                        py::arg("evaluations") = row.evaluations, py::arg("running_chains") = row.running_chains,
                        py::arg("mean_energy") = row.mean_energy, py::arg("min_energy") = row.min_energy,
                        py::arg("mean_gradient_norm") = row.mean_gradient_norm,
                        py::arg("mean_acceptance") = row.mean_acceptance));
  }
  return out;
}

// --- answer spaces -------------------------------------------------------------------------------

CategoricalParam categorical_param(const std::string& param) {
  if (param == "probabilities") return CategoricalParam::Probabilities;
  if (param == "logits") return CategoricalParam::Logits;
  throw py::value_error("ebm.categorical: param must be 'probabilities' or 'logits', got '" + param + "'");
}

const char* kind_name(AnswerKind kind) {
  switch (kind) {
    case AnswerKind::Real: return "real";
    case AnswerKind::Categorical: return "categorical";
    case AnswerKind::OneHot: return "one_hot";
    case AnswerKind::Mixed: return "mixed";
  }
  return "?";
}

void bind_spaces(py::module_& m) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  py::class_<AnswerSpace>(m, "AnswerSpace", "How a candidate answer lives while it is minimised (ebm/answer_space.h).")
      .def_property_readonly("kind", [](const AnswerSpace& s) { return kind_name(s.kind); })
      .def_readonly("shape", &AnswerSpace::shape, "per-candidate shape; [V, K] for the categorical kinds")
      .def_readonly("lower", &AnswerSpace::lower)
      .def_readonly("upper", &AnswerSpace::upper)
      .def("numel", &AnswerSpace::numel, "elements per candidate")
      .def("decode", &AnswerSpace::decode, py::arg("y"),
           "States [N, *shape] -> answers: y itself (real), argmax categories int64 [N, V] (categorical kinds)")
      .def("__repr__", &AnswerSpace::describe);
  m.def("real", [](std::vector<int64_t> shape, double lower, double upper) {
          return AnswerSpace::real(std::move(shape), lower, upper);
        }, py::arg("shape"), py::arg("lower") = -inf, py::arg("upper") = inf,
        "Real answers of `shape`, optionally boxed: lower <= y <= upper.");
  m.def("categorical", [](int64_t variables, int64_t categories, const std::string& param) {
          return AnswerSpace::categorical(variables, categories, categorical_param(param));
        }, py::arg("variables"), py::arg("categories"), py::arg("param") = "probabilities",
        "Relaxed categorical: one simplex of `categories` per variable, stored as 'probabilities' or 'logits'.");
  m.def("one_hot", [](int64_t variables, int64_t categories) {
          return AnswerSpace::one_hot(variables, categories);
        }, py::arg("variables"), py::arg("categories"), "Discrete categorical: every row one-hot (discrete samplers).");
  m.def("mixed", [](int64_t variables, int64_t categories, double lower, double upper) {
          return AnswerSpace::mixed(variables, categories, lower, upper);
        }, py::arg("variables"), py::arg("categories"), py::arg("lower"), py::arg("upper"),
        "Per variable one of `categories` choices plus a real value in [lower, upper].");
}

// --- results -------------------------------------------------------------------------------------

void bind_results(py::module_& m) {
  py::class_<Summary>(m, "Summary", "How a run ended and what it spent (ebm::Summary, ebm/samplers/driver.h).")
      .def_property_readonly("termination", [](const Summary& s) { return termination_name(s.termination); },
                             "CONVERGENCE, NO_CONVERGENCE, FAILURE, USER_SUCCESS, USER_ABORT or CANCELLED")
      .def_readonly("message", &Summary::message)
      .def_readonly("sampler", &Summary::sampler)
      .def_readonly("problems", &Summary::problems)
      .def_readonly("chains", &Summary::chains, "all chains, problems x chains per problem")
      .def_readonly("steps", &Summary::steps)
      .def_readonly("evaluations", &Summary::evaluations)
      .def_readonly("restarts", &Summary::restarts)
      .def_readonly("chains_verified", &Summary::chains_verified)
      .def_readonly("chains_at_tolerance", &Summary::chains_at_tolerance)
      .def_readonly("chains_plateaued", &Summary::chains_plateaued)
      .def_readonly("chains_failed", &Summary::chains_failed)
      .def_readonly("chains_running", &Summary::chains_running)
      .def_readonly("problems_verified", &Summary::problems_verified)
      .def_readonly("elapsed_ms", &Summary::elapsed_ms)
      .def_readonly("best_energy", &Summary::best_energy)
      .def_readonly("mean_acceptance", &Summary::mean_acceptance)
      .def_readonly("seed", &Summary::seed)
      .def("brief_report", &Summary::brief_report)
      .def("full_report", &Summary::full_report)
      .def("__repr__", &Summary::brief_report);

  py::class_<ProblemResult>(m, "ProblemResult", "One problem of a minimize run.")
      .def_readonly("answer", &ProblemResult::answer, "[*shape]: the verified chain's state, else the lowest-energy one")
      .def_readonly("energy", &ProblemResult::energy)
      .def_readonly("verified", &ProblemResult::verified, "the verifier accepted `answer` (False without a verifier)")
      .def_readonly("best_chain", &ProblemResult::best_chain)
      .def_readonly("steps", &ProblemResult::steps)
      .def_readonly("evaluations", &ProblemResult::evaluations)
      .def_readonly("elapsed_ms", &ProblemResult::elapsed_ms)
      .def_readonly("failed", &ProblemResult::failed, "every chain went non-finite");

  py::class_<MinimizeResult>(m, "MinimizeResult", "What ebm.minimize returns.")
      .def_property_readonly("summary", [](const MinimizeResult& r) { return r.run.summary; })
      .def_property_readonly("problems", [](const MinimizeResult& r) { return r.run.problems; })
      .def_property_readonly("answers", [](const MinimizeResult& r) { return per_problem(r, &ProblemResult::answer); },
                             "per problem, its answer state [*shape]")
      .def_property_readonly("energies", [](const MinimizeResult& r) { return per_problem(r, &ProblemResult::energy); })
      .def_property_readonly("verified", [](const MinimizeResult& r) { return per_problem(r, &ProblemResult::verified); })
      .def_property_readonly("best_states", [](const MinimizeResult& r) { return r.run.best_states; },
                             "[problems x chains, *shape] each chain's best (or last, track_best=false) state")
      .def_property_readonly("best_energies", [](const MinimizeResult& r) { return r.run.best_energies; })
      .def_property_readonly("chain_status", [](const MinimizeResult& r) {
        std::vector<std::string> names;
        const auto status = r.run.chain_status.to(torch::kCPU);
        for (int64_t i = 0; i < status.numel(); ++i) {
          names.push_back(chain_status_name(static_cast<ChainStatus>(status[i].item<int64_t>())));
        }
        return names;
      })
      .def_property_readonly("trace", [](const MinimizeResult& r) { return trace_rows(r.run.trace); },
                             "per step (trace=True): step, elapsed_ms, evaluations, running_chains, energies ...")
      .def_readonly("spec", &MinimizeResult::spec, "the canonical sampler text that ran")
      .def("__repr__", [](const MinimizeResult& r) { return r.run.summary.brief_report(); });

  py::class_<SolveResult>(m, "SolveResult", "One problem of ebm.solve.")
      .def_readonly("problem", &SolveResult::problem)
      .def_readonly("answer", &SolveResult::answer, "the task's answer text, or None when nothing was verified")
      .def_readonly("verified", &SolveResult::verified, "the task's exact verifier accepted the answer")
      .def_readonly("energy", &SolveResult::energy)
      .def_readonly("steps", &SolveResult::steps)
      .def_readonly("evaluations", &SolveResult::evaluations)
      .def_readonly("chains", &SolveResult::chains)
      .def_readonly("ms", &SolveResult::ms)
      .def("__repr__", [](const SolveResult& r) {
        return "SolveResult(verified=" + std::string(r.verified ? "True" : "False") + ", answer=" +
               (r.answer ? "'" + *r.answer + "'" : std::string("None")) + ", steps=" + std::to_string(r.steps) +
               ", ms=" + format_number(r.ms) + ")";
      });
}

}  // namespace

}  // namespace ebm::python

PYBIND11_MODULE(ebm, m) {
  namespace py = pybind11;
  using namespace ebm::python;
  py::module_::import("torch");  // the tensor casters need torch's Python types
  m.doc() = "ebm: energy-based reasoning. Solve registered tasks, or minimise your own torch energy with ebm's samplers.";
  m.attr("__version__") = EBM_VERSION;
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const ebm::TaskInputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  bind_spaces(m);
  bind_results(m);
  m.def("tasks", &task_list, "Registered tasks: dicts of name, summary, energies, default_sampler, parameters.");
  m.def("samplers", &sampler_list,
        "The sampler catalogue: dicts of name, summary, wrapper, spaces, options (key, type, default, meaning).");
  m.def("driver_options", [] { return option_dicts(ebm::driver_option_infos()); },
        "The driver's keys (chains, steps, ms, tol, ...), usable in any sampler spec.");
  m.def("solve", &solve, py::arg("task"), py::arg("problems"), py::arg("budget_ms") = 10000.0,
        py::arg("sampler") = py::none(), py::arg("energy") = py::none(), py::arg("seed") = 0, py::arg("batch") = 8,
        py::arg("parameters") = ebm::TaskParameters{},
        "Solve problems of a registered task, each a string in the task's text form (a Sudoku: an 81-character\n"
        "line). Returns one SolveResult per problem, in order; `verified` is the task's exact verifier's word.\n"
        "sampler: spec text (None = the task's default); energy: one of the task's energies (None = default);\n"
        "parameters: the task's settings by name ({'colors': '3'}). Bad input raises ValueError naming problems[i].");
  m.def("minimize", &minimize, py::arg("energy"), py::arg("space"), py::arg("spec") = "langevin",
        py::arg("chains") = 1, py::arg("condition") = py::none(), py::arg("problems") = py::none(),
        py::arg("seed") = 0, py::arg("clamp") = py::none(), py::arg("verifier") = py::none(),
        py::arg("trace") = false,
        "Minimise your own energy with ebm's C++ samplers and driver.\n"
        "energy(condition, y) -> [B] tensor (a torch.nn.Module or any callable; gradients by autograd);\n"
        "condition is None without a condition, else the rows of `condition` [problems, ...] per candidate.\n"
        "space: ebm.real([2]), ebm.categorical(V, K), ...; spec: sampler text, e.g. 'langevin:step=0.05,steps=500'\n"
        "(driver keys in spec -- chains, steps, ms, tol, seed, trace -- override the keyword arguments).\n"
        "clamp: (mask, values), each [problems, *shape]: entries that never move. verifier(decoded, problem_index)\n"
        "-> [n] bools: stops a problem once a chain is accepted. Exceptions raised by energy or verifier propagate.");
}
