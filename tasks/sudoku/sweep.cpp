#include "tasks/sudoku/sweep.h"

#include "ebm/atomic_file.h"
#include "samplers/registry.h"
#include "tasks/sudoku/solver.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

namespace ebm::sudoku {

namespace {

const std::vector<std::string> kColumns = {
    "spec", "solver", "problems", "solved", "solve_rate", "solve_rate_low95", "solve_rate_high95", "cell_accuracy",
    "unsolved", "wrong_claimed", "mean_ms", "median_ms", "p95_ms", "problems_per_second", "mean_evaluations",
    "mean_forward_passes", "mean_flops", "parameters", "device", "chains", "steps", "energy", "decode"};

std::string quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// First field of a CSV line (quoted or not).
std::string first_field(const std::string& line) {
  if (line.empty() || line[0] != '"') return line.substr(0, line.find(','));
  std::string field;
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '"') {
      if (i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        break;
      }
    } else {
      field += line[i];
    }
  }
  return field;
}

std::string row_of(const SolverEvaluation& e, int64_t chains, int64_t steps, const std::string& energy,
                   const std::string& decode) {
  auto j = to_json(e);
  std::ostringstream row;
  row << quote(e.spec) << "," << quote(e.name);
  for (size_t k = 2; k < kColumns.size() - 4; ++k) {
    const auto& v = j[kColumns[k]];
    row << "," << (v.is_string() ? quote(v.get<std::string>()) : v.dump());
  }
  row << "," << chains << "," << steps << "," << quote(energy) << "," << quote(decode) << "\n";
  return row.str();
}

}  // namespace

std::vector<std::string> sweep_specs(const SweepGrid& grid) {
  std::vector<std::string> specs;
  if (grid.reference) specs.push_back("reference");
  for (const auto& energy : grid.energies)
    for (int64_t c : grid.chains)
      for (int64_t s : grid.steps)
        specs.push_back("ebm:energy=" + energy + ",sampler=" +
                        with_driver_keys(default_sampler_spec(energy),
                                         "chains=" + std::to_string(c) + ",steps=" + std::to_string(s)));
  if (!grid.ar_model.empty())
    for (const auto& d : grid.decodes) specs.push_back("ar:" + grid.ar_model + ",decode=" + d);
  return specs;
}

std::vector<std::string> completed_specs(const std::string& csv_path) {
  std::vector<std::string> specs;
  std::ifstream in(csv_path);
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (!line.empty()) specs.push_back(first_field(line));
  }
  return specs;
}

size_t run_sweep(const std::vector<EvalProblem>& problems, const SweepGrid& grid, const EvalSettings& base,
                 const std::string& csv_path, std::ostream& log) {
  std::string contents;
  if (std::filesystem::exists(csv_path)) {
    std::ifstream in(csv_path);
    std::ostringstream existing;
    existing << in.rdbuf();
    contents = existing.str();
    std::string first_line = contents.substr(0, contents.find('\n'));
    std::string expected;
    for (size_t k = 0; k < kColumns.size(); ++k) expected += (k ? "," : "") + kColumns[k];
    if (first_line != expected)
      throw std::invalid_argument("sweep: " + csv_path + " exists but is not a sweep CSV of this version (header differs); "
                                  "choose another --output or remove it");
  } else {
    for (size_t k = 0; k < kColumns.size(); ++k) contents += (k ? "," : "") + kColumns[k];
    contents += "\n";
  }
  const auto done = completed_specs(csv_path);
  const auto specs = sweep_specs(grid);
  size_t ran = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    if (std::find(done.begin(), done.end(), spec) != done.end()) {
      log << "[" << i + 1 << "/" << specs.size() << "] done already: " << spec << "\n";
      continue;
    }
    EvalSettings settings = base;
    settings.solvers = {spec};
    auto report = evaluate(problems, settings);
    const auto& e = report.solvers.front();
    int64_t chains = 0, steps = 0;
    std::string energy, decode;
    if (spec.rfind("ebm:", 0) == 0) {
      energy = e.config.value("energy", "");
      const auto c = spec.rfind(",chains="), s = spec.rfind(",steps=");
      chains = std::stoll(spec.substr(c + 8));
      steps = std::stoll(spec.substr(s + 7));
    } else if (spec.rfind("ar:", 0) == 0) {
      decode = e.config.value("decode", "");
    }
    contents += row_of(e, chains, steps, energy, decode);
    write_file_atomically(csv_path, contents);
    ++ran;
    log << "[" << i + 1 << "/" << specs.size() << "] " << spec << ": solved " << e.solved << "/" << e.problems
        << ", mean " << e.mean_ms << " ms\n"
        << std::flush;
  }
  return ran;
}

}  // namespace ebm::sudoku
