#include "tasks/sudoku/task.h"

#include "ebm/pairwise_energy.h"
#include "ebm/solver.h"
#include "ebm/token_sequence.h"
#include "tasks/sudoku/encoding.h"
#include "tasks/sudoku/energies.h"
#include "tasks/sudoku/generator.h"
#include "tasks/sudoku/learned_energy.h"
#include "tasks/sudoku/reference_solver.h"
#include "tasks/sudoku/token_sequence.h"
#include "tasks/sudoku/training.h"
#include "tasks/sudoku/training_data.h"
#include "tasks/sudoku/variant_parameters.h"

#include <torch/torch.h>

#include <cmath>
#include <iterator>
#include <ostream>
#include <sstream>

namespace ebm::sudoku {

namespace {

// Generation's parameters: the tier, and the box size (shared with training, energy_training_parameters).
const std::vector<ParameterInfo>& generate_parameters() {
  static const std::vector<ParameterInfo> infos = [] {
    std::vector<ParameterInfo> list = {{"tier", "hardest", "generated difficulty: " + tier_names(), GenerateParameter}};
    for (const auto& info : energy_training_parameters())
      if (info.name == "box") list.push_back(info);
    return list;
  }();
  return infos;
}

// Training's own parameters beyond the energy's: which model, and the AR baseline's token order.
const std::vector<ParameterInfo>& model_parameters() {
  static const std::vector<ParameterInfo> infos = {
      {"model", "energy", "what to train: energy (message passing over the units) | pairwise, attention (learned from solved examples alone, no rule given) | ar (the autoregressive baseline)",
       TrainParameter},
      {"order", "fixed",
       "AR tokens: fixed (the digits row-major) | solver ((cell, digit) pairs in a deductive solver's order)",
       TrainParameter},
  };
  return infos;
}

double constraint_flops(int box) {
  const double n3 = std::pow(box * box, 3);
  return 2.0 * 2.0 * 3.0 * n3 + 10.0 * n3;  // unit sums and their adjoint; mirror step and purity
}

double learned_flops(const LearnedEnergyConfig& c) {
  const double n = c.box * c.box, d = c.hidden;
  const double forward = 2.0 * n * n * ((2 * n + 1) * d + c.layers * (4 * d * 2 * d + 2 * d * d) + d);
  return 3.0 * forward;  // forward + backward for dE/dy
}

class SudokuTask : public Task {
 public:
  std::string name() const override { return "sudoku"; }
  std::string summary() const override {
    return "fill a Sudoku grid (4x4, 9x9, 16x16) so that every row, column and box holds each digit once";
  }
  std::string input_format() const override {
    return "one puzzle per line: 16, 81 or 256 characters row-major, '.' or '0' for blanks ('A'-'G' for 10-16);\n"
           "blank lines and '#' comments ignored; a 'puzzle,solution' CSV line uses its first field (the second\n"
           "is the reference solution); a header line is skipped. A PUZZLE argument is one such line.";
  }
  std::string output_format() const override {
    return "one line per puzzle, in order: the filled board as one line if the exact verifier accepts it,\n"
           "else 'unsolved'. Exit status 0 when every puzzle is verified, else 3.";
  }
  std::vector<ParameterInfo> parameters() const override {
    std::vector<ParameterInfo> infos = {generate_parameters().front()};  // tier (box is the energy's)
    for (auto& p : energy_training_parameters()) infos.push_back(p);
    for (auto& p : model_parameters()) infos.push_back(p);
    for (auto& p : variant_parameters()) infos.push_back(p);
    return infos;
  }
  std::string file_extension() const override { return ".csv"; }

  std::vector<Example> read(std::istream& in, const std::string& source, const TaskParameters& parameters) const override {
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream lines(text);
    std::shared_ptr<const Layout> layout = file_layout(read_file_header(text, source), parameters, 3, source);
    std::vector<PuzzleRecord> records;
    try {
      // A jigsaw fixes the board size; otherwise the first puzzle does, and Sudoku-X adds its diagonals.
      records = layout->variant == Variant::Jigsaw ? read_puzzles(lines, source, *layout) : read_puzzles(lines, source);
      if (layout->variant == Variant::X && !records.empty()) {
        layout = std::make_shared<const Layout>(x_layout(records.front().puzzle.box));
        for (const auto& r : records) {
          std::string why;
          if (!givens_consistent(r.puzzle, *layout, &why))
            throw ParseError(source + ":" + std::to_string(r.line_number) + ": givens break a rule: " + why);
        }
      }
    } catch (const ParseError& e) {
      throw TaskInputError(e.what());
    }
    if (layout->variant == Variant::Standard) layout = nullptr;
    std::vector<Example> examples;
    for (auto& r : records) {
      Example example;
      example.problem = make_problem(r.puzzle, source + ":" + std::to_string(r.line_number), layout);
      if (r.solution) example.solution = make_answer(*r.solution);
      examples.push_back(std::move(example));
    }
    return examples;
  }

  void write_problems(std::ostream& out, const std::vector<Example>& examples) const override {
    if (!examples.empty()) {
      const Layout& layout = layout_of(*examples.front().problem);
      for (const auto& e : examples)
        if (layout_of(*e.problem) != layout)
          throw std::invalid_argument("sudoku: one file holds the puzzles of one layout, got " + layout.describe() +
                                      " and " + layout_of(*e.problem).describe());
      out << header_lines(layout);
    }
    out << "puzzle,solution\n";
    for (const auto& e : examples)
      out << to_line(puzzle_of(*e.problem)) << ',' << (e.solution ? to_line(board_of(*e.solution)) : "") << '\n';
  }
  void write_answer(std::ostream& out, const Problem&, const Answer* answer) const override {
    out << (answer ? to_line(board_of(*answer)) : std::string("unsolved")) << "\n";
  }
  nlohmann::json answer_json(const Problem&, const Answer& answer) const override { return to_line(board_of(answer)); }
  nlohmann::json problem_fields(const Problem& problem) const override {
    return {{"puzzle", to_line(puzzle_of(problem))}};
  }
  std::string render(const Problem& problem, const Answer* answer, bool color) const override {
    const Board& puzzle = puzzle_of(problem);
    return sudoku::render(puzzle, answer ? board_of(*answer) : puzzle, color);
  }
  uint64_t fingerprint(const Problem& problem) const override {
    return content_fingerprint(to_line(puzzle_of(problem)));
  }
  // The split of a puzzle is that of its solution grid (generator.h); the reference finds the grid.
  uint64_t split_fingerprint(const Problem& problem) const override {
    const Board& puzzle = puzzle_of(problem);
    ReferenceOptions options;
    options.layout = &layout_of(problem);
    auto result = sudoku::reference_solve(puzzle, options);
    return result.solutions > 0 ? solution_fingerprint(result.first) : fingerprint(problem);
  }

  bool can_generate() const override { return true; }
  std::vector<Example> generate(const GenerateRequest& request) const override {
    GeneratorOptions options;
    options.box = static_cast<int>(parameter_int(request.parameters, generate_parameters(), "box"));
    options.count = static_cast<int>(request.count);
    try {
      options.tier = parse_tier(parameter_value(request.parameters, generate_parameters(), "tier"));
    } catch (const std::invalid_argument& e) {
      throw TaskInputError(std::string("--tier: ") + e.what());
    }
    options.seed = request.seed;
    options.threads = request.threads;
    options.split = request.split;
    options.layout = layout_from_parameters(request.parameters, options.box);
    std::string error;
    if (!options.validate(&error)) throw TaskInputError("sudoku generator: " + error);
    const auto layout = options.layout->variant == Variant::Standard ? nullptr : options.layout;
    std::vector<Example> examples;
    for (auto& g : sudoku::generate(options))
      examples.push_back({make_problem(g.puzzle, "generated", layout), make_answer(g.solution)});
    return examples;
  }

  std::vector<std::string> energy_names() const override { return {"constraint", "learned", "combined", "pairwise", "attention"}; }
  // Variants have one energy, the learned pairwise one.
  std::string default_energy(const std::vector<ProblemPtr>& problems) const override {
    for (const auto& p : problems)
      if (layout_of(*p).variant != Variant::Standard) return "pairwise";
    return energy_names().front();
  }
  std::string default_sampler(const std::string& energy) const override { return default_sampler_spec(energy); }
  EnergyPtr make_energy(const EnergyChoice& choice, const std::vector<ProblemPtr>& problems,
                        const torch::Device& device) const override {
    if (problems.empty()) return sudoku::make_energy(choice.name, 0, choice.model, device, choice.learned);
    const int box = puzzle_of(*problems.front()).box;
    const Layout& layout = layout_of(*problems.front());
    for (const auto& p : problems) {
      if (puzzle_of(*p).box != box)
        throw std::invalid_argument("sudoku: all puzzles of one solve call must have the same size");
      if (layout_of(*p) != layout)
        throw std::invalid_argument("sudoku: all puzzles of one solve call must have the same layout (" +
                                    layout.describe() + ", " + layout_of(*p).describe() + ")");
    }
    return sudoku::make_energy(choice.name, layout, choice.model, device, choice.learned);
  }
  double flops_per_evaluation(const Energy& energy, const Problem& problem) const override {
    double flops = 0.0;
    auto* sum = dynamic_cast<const WeightedSumEnergy*>(&energy);
    for (size_t k = 0; sum && k < sum->num_terms(); ++k) {
      auto& term = const_cast<WeightedSumEnergy*>(sum)->term(k);
      if (dynamic_cast<SudokuConstraintEnergy*>(&term)) flops += constraint_flops(puzzle_of(problem).box);
      if (auto* net = dynamic_cast<SudokuEnergyNet*>(&term)) flops += learned_flops(net->config());
      if (auto* pairwise = dynamic_cast<PairwiseEnergy*>(&term))  // J x and the energy's dot product
        flops += 2.0 * pairwise->shape().entries() * (pairwise->shape().entries() + 2);
    }
    return flops;
  }
  bool batchable(const Problem& a, const Problem& b) const override {
    return puzzle_of(a).box == puzzle_of(b).box && layout_of(a) == layout_of(b);
  }

  Encoding encode(const std::vector<ProblemPtr>& batch, const torch::Device& device) const override {
    std::vector<Board> boards;
    for (const auto& p : batch) boards.push_back(puzzle_of(*p));
    const int box = boards.front().box;
    const auto options = torch::TensorOptions().dtype(torch::kFloat).device(device);
    Encoding e;
    e.problems = static_cast<int64_t>(boards.size());
    e.condition = encode_givens(boards).to(device);
    e.space = answer_space(box);
    e.clamp = givens_clamp(e.space, e.condition, options);
    const torch::Tensor givens = e.condition;
    const torch::Tensor membership = unit_membership(layout_of(*batch.front())).to(device);
    e.verifier = [givens, membership](const torch::Tensor& decoded, const torch::Tensor& problem) {
      return valid_completions(decoded, givens.index_select(0, problem), membership);
    };
    e.violations = [box, membership](const torch::Tensor& decoded, const torch::Tensor&) {
      auto counts = unit_digit_counts(digit_indicators(decoded, box * box), membership);
      return (counts - 1.0).abs().sum({1, 2});  // sum over units and digits of |count - 1|
    };
    e.describe = [box](const torch::Tensor& decoded) {
      std::vector<std::string> lines;
      for (const auto& b : decode_boards(decoded, box)) lines.push_back(to_line(b));
      return lines;
    };
    return e;
  }
  AnswerPtr decode(const Problem& problem, const torch::Tensor& states) const override {
    const int box = puzzle_of(problem).box;
    return make_answer(decode_boards(states.argmax(-1), box).front());
  }
  bool verify(const Problem& problem, const Answer& answer, std::string* why) const override {
    return is_valid_solution(puzzle_of(problem), board_of(answer), layout_of(problem), why);
  }

  std::map<std::string, double> measure(const Problem& problem, const Answer& answer,
                                        const Answer* solution) const override {
    if (!solution) return {};
    const Board& puzzle = puzzle_of(problem);
    const Board& filled = board_of(answer);
    const Board& reference = board_of(*solution);
    double blanks = 0, right = 0;
    for (size_t c = 0; c < puzzle.cells.size(); ++c) {
      if (puzzle.cells[c] != 0) continue;
      blanks += 1;
      right += filled.cells.size() == puzzle.cells.size() && filled.cells[c] == reference.cells[c];
    }
    return {{"cell_accuracy", blanks > 0 ? right / blanks : 1.0}};
  }
  bool same_answer(const Answer& answer, const Answer& solution) const override {
    return board_of(answer) == board_of(solution);
  }

  std::string reference_name() const override { return "dlx"; }
  AnswerPtr solve_reference(const Problem& problem, double) const override {
    ReferenceOptions options;
    options.layout = &layout_of(problem);
    auto result = sudoku::reference_solve(puzzle_of(problem), options);
    return result.solutions > 0 ? make_answer(result.first) : nullptr;
  }

  std::shared_ptr<const TokenSequence> token_sequence(const TaskParameters& parameters) const override {
    return token_sequence_of(parameters);
  }
  std::vector<std::string> learned_models() const override { return {"energy", "pairwise", "attention"}; }
  std::unique_ptr<TrainingRecipe> training_recipe(const TrainingOptions& options,
                                                  const TaskParameters& parameters) const override {
    const auto model = parameters.find("model");
    const int box = static_cast<int>(parameter_int(parameters, generate_parameters(), "box"));
    const auto layout = layout_from_parameters(parameters, box);
    if (layout->variant != Variant::Standard && (model == parameters.end() || model->second != "pairwise"))
      throw TaskInputError("sudoku --variant " + variant_name(layout->variant) +
                           " trains only --model pairwise (the other models are standard Sudoku's)");
    return energy_training_recipe(options, parameters);
  }
  std::unique_ptr<ExampleStream> example_stream(const TrainingOptions& options,
                                                const TaskParameters& parameters) const override {
    return make_example_stream(options, parameters);
  }
};

}  // namespace

const Board& puzzle_of(const Problem& problem) {
  return downcast<SudokuProblem>(problem, "not a sudoku problem").puzzle;
}

const Board& board_of(const Answer& answer) { return downcast<SudokuAnswer>(answer, "not a sudoku answer").board; }

const Layout& layout_of(const Problem& problem) {
  const auto& sudoku = downcast<SudokuProblem>(problem, "not a sudoku problem");
  if (sudoku.layout) return *sudoku.layout;
  return shared_standard_layout(sudoku.puzzle.box);
}

ProblemPtr make_problem(Board puzzle, std::string source, std::shared_ptr<const Layout> layout) {
  auto p = std::make_shared<SudokuProblem>();
  p->puzzle = std::move(puzzle);
  p->layout = std::move(layout);
  p->source = std::move(source);
  return p;
}

AnswerPtr make_answer(Board board) {
  auto a = std::make_shared<SudokuAnswer>();
  a->board = std::move(board);
  return a;
}

TaskPtr make_task() { return std::make_shared<SudokuTask>(); }

}  // namespace ebm::sudoku
