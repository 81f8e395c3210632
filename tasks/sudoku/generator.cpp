#include "tasks/sudoku/generator.h"

#include "ebm/task.h"

#include "tasks/sudoku/reference_solver.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <ostream>
#include <random>
#include <stdexcept>
#include <tuple>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace ebm::sudoku {

namespace {

// How one tier chooses its puzzles.
struct TierSpec {
  int min_target = 0, max_target = 0;  // stop removing at a target drawn from [min, max]; 0 = minimal
  int max_givens = 0;                  // a candidate qualifies only with at most this many givens (0 = any)
  int min_guesses = 0;                 // ... and at least this many DLX guesses
  int max_guesses = -1;                // ... and at most this many (-1 = any)
  int min_attempts = 1;                // candidates drawn at least, and until one qualifies ...
  int max_attempts = 1;                // ... but at most this many; the best one drawn is kept
  long node_limit = 0;                 // DLX node budget per uniqueness check (0 = none); a check that
                                       // runs out keeps the given, so uniqueness is never assumed
  int climb_steps = 0;                 // > 0: hill-climb each candidate this many moves (climb() below)
};

// The calibration of generator.h, per box size.
TierSpec tier_spec(Tier tier, int box) {
  TierSpec s;
  if (box == 4) s.node_limit = 20000;
  switch (tier) {
    case Tier::Easy:
      s.min_target = box == 2 ? 7 : box == 3 ? 36 : 116;
      s.max_target = box == 2 ? 8 : box == 3 ? 40 : 126;
      s.max_guesses = 0;
      s.max_attempts = 20;
      break;
    case Tier::Medium:
      s.min_target = box == 2 ? 6 : box == 3 ? 29 : 104;
      s.max_target = box == 2 ? 6 : box == 3 ? 32 : 112;
      s.max_attempts = 20;
      break;
    case Tier::Hard:
      break;
    case Tier::Expert:
      if (box == 2) s.max_givens = 5;
      if (box == 3) s.min_guesses = 4;
      if (box == 4) s.min_guesses = 1500;
      s.max_attempts = box == 4 ? 4 : 100;
      break;
    case Tier::Hardest:
      if (box == 2) s.max_givens = 4;
      if (box == 3) {
        s.max_givens = 23;
        s.min_guesses = 6;
        s.min_attempts = 24;
      }
      if (box == 4) s.min_attempts = 3;
      s.max_attempts = box == 4 ? 3 : 400;
      break;
    case Tier::Extreme:
      if (box == 2) s.max_givens = 4;
      if (box == 3) {
        s.min_guesses = kExtremeGuesses;
        s.climb_steps = 1500;
        s.max_attempts = 8;
      }
      if (box == 4) s.min_attempts = s.max_attempts = 3;  // as hardest: climbing 16x16 is too slow
      if (box == 2) s.max_attempts = 400;
      break;
  }
  return s;
}

// Blanks cells of `start` (a solution grid, or a puzzle with a unique solution) in random order
// while the solution stays unique, down to `target` givens (0: one full pass, which leaves a minimal
// puzzle).
Board reduce(const Board& start, const Layout& layout, int target, long node_limit, std::mt19937_64& rng) {
  Board puzzle = start;
  std::vector<int> order(puzzle.cell_count());
  for (int i = 0; i < puzzle.cell_count(); ++i) order[i] = i;
  for (size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[rng() % k]);

  int givens = count_givens(puzzle);
  ReferenceOptions options;
  options.max_nodes = node_limit;
  options.layout = &layout;
  for (int cell : order) {
    if (target > 0 && givens <= target) break;
    const int digit = puzzle.cells[cell];
    if (digit == 0) continue;
    puzzle.cells[cell] = 0;
    // The puzzle stays unique iff no solution puts another digit in the blanked cell.
    options.forbid_cell = cell;
    options.forbid_digit = digit;
    const ReferenceResult other = reference_solve(puzzle, options);
    if (other.solved() || other.hit_node_limit) {
      puzzle.cells[cell] = digit;
    } else {
      --givens;
    }
  }
  return puzzle;
}

// A random complete grid of `split`. Each grid from random_grid is relabelled by random digit
// permutations (as valid and as random a grid, at a hundredth of the cost) until one lies in the
// split, at most kRelabels times before the next grid is drawn (a 4x4 grid has only 24 relabellings,
// and some 4x4 classes have none in the 10% splits).
Board grid_in_split(const Layout& layout, Split split, std::mt19937_64& rng) {
  constexpr int kRelabels = 64;
  for (;;) {
    const Board base = random_grid(layout, rng);
    std::vector<int> digit(base.size() + 1);
    for (int attempt = 0; attempt < kRelabels; ++attempt) {
      for (int d = 0; d <= base.size(); ++d) digit[d] = d;
      for (int k = base.size(); k > 1; --k) std::swap(digit[k], digit[1 + rng() % k]);
      Board grid = base;
      for (int& cell : grid.cells) cell = digit[cell];
      if (split_of(solution_fingerprint(grid)) == split) return grid;
    }
  }
}

// The DLX effort of a full uniqueness search on `puzzle`, into p.search_nodes and p.guesses.
void measure_effort(GeneratedPuzzle& p, const Layout& layout, long node_limit) {
  ReferenceOptions measure;
  measure.layout = &layout;
  measure.max_solutions = 2;
  measure.max_nodes = node_limit;
  const ReferenceResult effort = reference_solve(p.puzzle, measure);
  p.search_nodes = effort.nodes;
  p.guesses = static_cast<int>(effort.guesses);
}

// Hill-climbs a minimal puzzle towards more DLX guesses without changing its solution grid (so its
// split stays): each move restores 1-2 of the grid's digits that the puzzle blanks, then removes
// givens in random order while the solution stays unique (minimal again), and is kept when the
// guesses do not drop. Stops after `steps` moves or once `goal` guesses are reached.
void climb(GeneratedPuzzle& p, const Layout& layout, int steps, int goal, std::mt19937_64& rng) {
  for (int step = 0; step < steps && p.guesses < goal; ++step) {
    GeneratedPuzzle candidate = p;
    const int restore = 1 + static_cast<int>(rng() % 2);
    for (int k = 0; k < restore; ++k) {
      int cell;
      do cell = static_cast<int>(rng() % candidate.puzzle.cell_count());
      while (candidate.puzzle.cells[cell] != 0);
      candidate.puzzle.cells[cell] = p.solution.cells[cell];
    }
    candidate.puzzle = reduce(candidate.puzzle, layout, 0, 0, rng);
    measure_effort(candidate, layout, 0);
    if (candidate.guesses >= p.guesses) p = std::move(candidate);
  }
  p.givens = count_givens(p.puzzle);
}

bool qualifies(const TierSpec& s, const GeneratedPuzzle& p) {
  if (s.max_givens > 0 && p.givens > s.max_givens) return false;
  if (s.min_target > 0 && p.givens > s.max_target) return false;
  if (p.guesses < s.min_guesses) return false;
  if (s.max_guesses >= 0 && p.guesses > s.max_guesses) return false;
  return true;
}

}  // namespace

std::string tier_name(Tier tier) {
  switch (tier) {
    case Tier::Easy: return "easy";
    case Tier::Medium: return "medium";
    case Tier::Hard: return "hard";
    case Tier::Expert: return "expert";
    case Tier::Hardest: return "hardest";
    case Tier::Extreme: return "extreme";
  }
  return "unknown";
}

const std::vector<Tier>& all_tiers() {
  static const std::vector<Tier> tiers = {Tier::Easy, Tier::Medium, Tier::Hard, Tier::Expert, Tier::Hardest,
                                          Tier::Extreme};
  return tiers;
}

std::string tier_names() {
  std::string names;
  for (Tier t : all_tiers()) names += (names.empty() ? "" : "|") + tier_name(t);
  return names;
}

Tier parse_tier(const std::string& name) {
  std::string lower = name;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (Tier t : all_tiers()) {
    if (tier_name(t) == lower) return t;
  }
  throw std::invalid_argument("unknown sudoku tier '" + name + "' (expected " + tier_names() + ")");
}

std::string describe_tier(Tier tier, int box) {
  if (box < 2 || box > 4) throw std::invalid_argument("describe_tier: box must be 2, 3 or 4");
  const TierSpec s = tier_spec(tier, box);
  std::string text = tier_name(tier) + ": ";
  if (s.min_target > 0) {
    text += std::to_string(s.min_target) + "-" + std::to_string(s.max_target) + " givens";
  } else {
    text += "minimal (no given can be removed)";
  }
  if (s.max_guesses == 0) text += ", solvable by singles alone";
  if (s.max_givens > 0) text += ", at most " + std::to_string(s.max_givens) + " givens";
  if (s.min_guesses > 0) text += ", at least " + std::to_string(s.min_guesses) + " DLX guesses";
  if (s.min_attempts > 1) text += ", the hardest of " + std::to_string(s.min_attempts) + " or more candidates";
  if (s.climb_steps > 0)
    text += " (the forum-hardest class: AI Escargot 71, Inkala 2010 160, Easter Monster 341), found by hill-climbing "
            "over which givens of one solution grid to keep";
  return text;
}

bool GeneratorOptions::validate(std::string* error) const {
  auto fail = [error](const std::string& message) {
    if (error) *error = message;
    return false;
  };
  if (box < 2 || box > 4) return fail("box must be 2, 3 or 4, got " + std::to_string(box));
  if (count < 0) return fail("count must be >= 0, got " + std::to_string(count));
  if (threads < 0) return fail("threads must be >= 0 (0 = OpenMP default), got " + std::to_string(threads));
  if (layout && layout->box != box)
    return fail("the layout is " + std::to_string(layout->size()) + "x" + std::to_string(layout->size()) +
                ", box " + std::to_string(box) + " boards are " + std::to_string(box * box) + "x" + std::to_string(box * box));
  if (layout && layout->variant != Variant::Standard && tier == Tier::Extreme)
    return fail("the extreme tier is standard Sudoku only (variants: easy|medium|hard|expert|hardest)");
  return true;
}

uint64_t solution_fingerprint(const Board& solution) { return content_fingerprint(to_line(solution)); }

GeneratedPuzzle generate_one(int box, Tier tier, uint64_t seed, long index, Split split) {
  return generate_one(shared_standard_layout(box), tier, seed, index, split);
}

GeneratedPuzzle generate_one(const Layout& layout, Tier tier, uint64_t seed, long index, Split split) {
  if (layout.variant != Variant::Standard && tier == Tier::Extreme)
    throw std::invalid_argument("sudoku generator: the extreme tier is standard Sudoku only");
  std::mt19937_64 rng(splitmix64(splitmix64(seed) ^ static_cast<uint64_t>(index)));
  const TierSpec spec = tier_spec(tier, layout.box);

  // Candidates are ranked by: qualifies, then within the givens bound, then nearest the tier's aim
  // in guesses (fewest for a tier that caps them, most otherwise).
  auto rank = [&spec](const GeneratedPuzzle& p) {
    const bool givens_ok = spec.max_givens == 0 || p.givens <= spec.max_givens;
    return std::make_tuple(qualifies(spec, p), givens_ok, spec.max_guesses == 0 ? -p.guesses : p.guesses);
  };
  GeneratedPuzzle best;
  bool have_best = false;
  for (int attempt = 0; attempt < spec.max_attempts; ++attempt) {
    if (attempt >= spec.min_attempts && qualifies(spec, best)) break;
    GeneratedPuzzle p;
    p.solution = grid_in_split(layout, split, rng);
    int target = 0;
    if (spec.min_target > 0) {
      target = spec.min_target + static_cast<int>(rng() % (spec.max_target - spec.min_target + 1));
    }
    p.puzzle = reduce(p.solution, layout, target, spec.node_limit, rng);
    p.givens = count_givens(p.puzzle);
    measure_effort(p, layout, 10 * spec.node_limit);
    if (spec.climb_steps > 0) climb(p, layout, spec.climb_steps, spec.min_guesses, rng);
    if (!have_best || rank(p) > rank(best)) {
      best = std::move(p);
      have_best = true;
    }
  }
  return best;
}

std::vector<GeneratedPuzzle> generate(const GeneratorOptions& options) {
  std::string error;
  if (!options.validate(&error)) throw std::invalid_argument("sudoku generator: " + error);
  std::vector<GeneratedPuzzle> puzzles(options.count);
  std::exception_ptr failure;
  const Layout layout = options.layout ? *options.layout : standard_layout(options.box);
  int threads = options.threads;
#ifdef _OPENMP
  if (threads == 0) threads = omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
#endif
  for (int i = 0; i < options.count; ++i) {
    try {
      puzzles[i] = generate_one(layout, options.tier, options.seed, i, options.split);
    } catch (...) {
#ifdef _OPENMP
#pragma omp critical(ebm_sudoku_generate)
#endif
      if (!failure) failure = std::current_exception();
    }
  }
  (void)threads;
  if (failure) std::rethrow_exception(failure);
  return puzzles;
}

void write_csv(std::ostream& out, const std::vector<GeneratedPuzzle>& puzzles) {
  out << "puzzle,solution\n";
  for (const GeneratedPuzzle& p : puzzles) out << to_line(p.puzzle) << ',' << to_line(p.solution) << '\n';
}

}  // namespace ebm::sudoku
