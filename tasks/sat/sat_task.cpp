#include "tasks/sat/task.h"

#include "tasks/sat/encoding.h"
#include "tasks/sat/energies.h"
#include "tasks/sat/external_solver.h"
#include "tasks/sat/generator.h"
#include "tasks/sat/problem.h"

#include <torch/torch.h>

#include <ostream>
#include <stdexcept>

namespace ebm::sat {

namespace {

constexpr const char* kReference = "minisat";
constexpr const char* kClauseEnergy = "clauses";

// Tuned on generated validation-split 3-SAT at ratio 4.26 (docs/SAT.md has the numbers).
constexpr const char* kDefaultSampler = "anneal:t_start=0.2,t_end=0.2/gwg:chains=16,verify_below=0.5";

const SatProblem& sat_problem(const Problem& problem) {
  return downcast<SatProblem>(problem, "sat: the problem is not a CNF formula");
}

const SatAnswer& sat_answer(const Answer& answer) {
  return downcast<SatAnswer>(answer, "sat: the answer is not an assignment");
}

bool parse_yes_no(const std::string& flag, const std::string& text) {
  if (text == "yes") return true;
  if (text == "no") return false;
  throw TaskInputError("--" + flag + ": expected yes or no, got '" + text + "'");
}

class SatTask : public Task {
 public:
  std::string name() const override { return "sat"; }
  std::string summary() const override {
    return "Boolean satisfiability: DIMACS CNF in, a model out (energy = violated clauses)";
  }
  std::string input_format() const override {
    return "DIMACS CNF, one formula per file ('-' = stdin): 'c' comment lines, the header 'p cnf VARIABLES "
           "CLAUSES', then clauses as literal lists ending in 0 (a clause may span lines); a line starting "
           "with '%' ends the input (SATLIB).";
  }
  std::string output_format() const override {
    return "SAT competition format: 'c' comment lines, then 's SATISFIABLE' and 'v' lines with every "
           "variable's literal ending in 0 when a verified model was found, else 's UNKNOWN' (an energy "
           "minimiser never proves unsatisfiability). Exit status 0 when every formula got a verified "
           "model, else 3; with --competition-exit-codes 10, else 0.";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"variables", "100", "generated formulas: number of variables n", GenerateParameter},
            {"ratio", "4.26", "generated formulas: clauses per variable, m = round(ratio * n)", GenerateParameter},
            {"k", "3", "generated formulas: literals per clause (distinct variables, random signs)",
             GenerateParameter},
            {"satisfiable", "yes", "generated formulas: keep only satisfiable (yes) or unsatisfiable (no) ones, "
                                   "as minisat labels them", GenerateParameter}};
  }

  bool one_problem_per_file() const override { return true; }
  std::string file_extension() const override { return ".cnf"; }

  std::vector<Example> read(std::istream& in, const std::string& source,
                            const TaskParameters& parameters) const override {
    auto problem = std::make_shared<SatProblem>();
    problem->formula = read_dimacs(in, source);
    if (problem->formula.variables == 0)
      throw TaskInputError(source + ":1: the formula has no variables: nothing to assign");
    problem->source = source;
    return {Example{problem, nullptr}};
  }

  void write_problems(std::ostream& out, const std::vector<Example>& examples) const override {
    for (const auto& example : examples) {
      const SatProblem& problem = sat_problem(*example.problem);
      write_dimacs(out, problem.formula, problem.notes);
    }
  }

  void write_answer(std::ostream& out, const Problem& problem, const Answer* answer) const override {
    const SatProblem& sat = sat_problem(problem);
    out << "c ebm sat: " << sat.source << ", " << sat.formula.variables << " variables, "
        << sat.formula.num_clauses() << " clauses\n";
    if (answer && verify(problem, *answer, nullptr)) {
      out << "s SATISFIABLE\n";
      write_model_lines(out, sat_answer(*answer).values);
    } else {
      out << "c no verified model within the budget (energy minimisation cannot prove unsatisfiability)\n"
          << "s UNKNOWN\n";
    }
  }

  nlohmann::json answer_json(const Problem& problem, const Answer& answer) const override {
    return {{"model", model_literals(sat_answer(answer).values)}};
  }

  nlohmann::json problem_fields(const Problem& problem) const override {
    const Formula& formula = sat_problem(problem).formula;
    return {{"variables", formula.variables}, {"clauses", formula.num_clauses()}};
  }

  int exit_status(size_t verified, size_t total) const override { return total > 0 && verified == total ? 10 : 0; }

  uint64_t fingerprint(const Problem& problem) const override {
    return content_fingerprint(canonical_text(sat_problem(problem).formula));
  }

  bool can_generate() const override { return true; }
  std::vector<Example> generate(const GenerateRequest& request) const override {
    const auto infos = parameters();
    LabelledGeneration generation;
    generation.shape.variables = parameter_int(request.parameters, infos, "variables");
    generation.shape.ratio = parameter_double(request.parameters, infos, "ratio");
    generation.shape.k = parameter_int(request.parameters, infos, "k");
    generation.satisfiable = parse_yes_no("satisfiable", parameter_value(request.parameters, infos, "satisfiable"));
    generation.labeller = kReference;
    return generate_labelled(request, generation);
  }

  std::vector<std::string> energy_names() const override { return {kClauseEnergy}; }
  std::string default_sampler(const std::string& energy) const override {
    if (energy != kClauseEnergy) throw std::invalid_argument("sat: unknown energy '" + energy + "' (clauses)");
    return kDefaultSampler;
  }
  EnergyPtr make_energy(const EnergyChoice& choice, const std::vector<ProblemPtr>&,
                        const torch::Device& device) const override {
    if (choice.name != kClauseEnergy) throw std::invalid_argument("sat: unknown energy '" + choice.name + "' (clauses)");
    if (choice.learned || !choice.model.empty()) throw std::invalid_argument("sat: the clauses energy has no learned model");
    auto energy = std::make_shared<ClauseViolationEnergy>();
    energy->to(device);
    return energy;
  }
  double flops_per_evaluation(const Energy&, const Problem& problem) const override {
    const Formula& formula = sat_problem(problem).formula;
    // Per literal slot: a gather, about 3 multiplications for the products, a scatter-add.
    return 5.0 * static_cast<double>(formula.num_clauses()) * static_cast<double>(formula.max_clause_length());
  }
  bool batchable(const Problem& a, const Problem& b) const override {
    const SatProblem &x = sat_problem(a), &y = sat_problem(b);
    return x.formula.variables == y.formula.variables;
  }

  Encoding encode(const std::vector<ProblemPtr>& batch, const torch::Device& device) const override {
    if (batch.empty()) throw std::invalid_argument("sat: empty batch");
    std::vector<const Formula*> formulas;
    for (const auto& problem : batch) formulas.push_back(&sat_problem(*problem).formula);
    const int64_t variables = formulas.front()->variables;
    Encoding encoding;
    encoding.problems = static_cast<int64_t>(batch.size());
    encoding.condition = clause_index(formulas, variables).to(device);
    // One-hot rows; the generic solver hands continuous samplers the same variables as simplices.
    encoding.space = AnswerSpace::one_hot(variables, 2);
    const torch::Tensor index = encoding.condition;
    encoding.verifier = [index](const torch::Tensor& decoded, const torch::Tensor& problem_index) {
      return all_clauses_satisfied(decoded, index.index_select(0, problem_index));
    };
    encoding.violations = [index](const torch::Tensor& decoded, const torch::Tensor& problem_index) {
      return violated_clause_counts(decoded, index.index_select(0, problem_index));
    };
    encoding.describe = [](const torch::Tensor& decoded) {
      std::vector<std::string> lines;
      auto values = decoded.to(torch::kCPU).to(torch::kLong).contiguous();
      for (int64_t r = 0; r < values.size(0); ++r) {
        std::string line;
        for (int64_t v = 0; v < values.size(1); ++v) line += values[r][v].item<int64_t>() ? '1' : '0';
        lines.push_back(std::move(line));
      }
      return lines;
    };
    return encoding;
  }

  AnswerPtr decode(const Problem& problem, const torch::Tensor& states) const override {
    const Formula& formula = sat_problem(problem).formula;
    if (states.dim() != 3 || states.size(1) != formula.variables || states.size(2) != 2)
      throw std::invalid_argument("sat: decode expects states [k, V, 2]");
    auto truth = states[0].argmax(-1).to(torch::kCPU).to(torch::kLong).contiguous();
    const auto values = truth.accessor<int64_t, 1>();
    auto answer = std::make_shared<SatAnswer>();
    answer->values.resize(formula.variables);
    for (int64_t v = 0; v < formula.variables; ++v) answer->values[v] = values[v] == 1;
    return answer;
  }

  bool verify(const Problem& problem, const Answer& answer, std::string* why) const override {
    return satisfies(sat_problem(problem).formula, sat_answer(answer).values, why);
  }

  std::map<std::string, double> measure(const Problem& problem, const Answer& answer, const Answer*) const override {
    const Formula& formula = sat_problem(problem).formula;
    const Assignment& values = sat_answer(answer).values;
    if (static_cast<int64_t>(values.size()) != formula.variables) return {};
    return {{"violated_clauses", static_cast<double>(violated_clauses(formula, values))}};
  }
  bool same_answer(const Answer& answer, const Answer& solution) const override {
    return sat_answer(answer).values == sat_answer(solution).values;
  }

  std::string reference_name() const override { return kReference; }
  AnswerPtr solve_reference(const Problem& problem, double budget_ms) const override {
    const ExternalResult result = run_external_solver(kReference, sat_problem(problem).formula, budget_ms);
    if (result.verdict != Verdict::Satisfiable) return nullptr;
    auto answer = std::make_shared<SatAnswer>();
    answer->values = result.model;
    return answer;
  }
};

}  // namespace

TaskPtr make_task() { return std::make_shared<SatTask>(); }

}  // namespace ebm::sat
