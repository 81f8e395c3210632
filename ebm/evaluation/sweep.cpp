#include "ebm/sweep.h"

#include "ebm/atomic_file.h"
#include "ebm/device.h"

#include <c10/util/StringUtil.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

namespace ebm {

namespace {

// Result columns (from to_json), then the grid's knobs, then what identifies the experiment.
const std::vector<std::string> kResultColumns = {
    "spec", "solver", "problems", "solved", "solve_rate", "solve_rate_low95", "solve_rate_high95", "unsolved",
    "wrong_claimed", "mean_ms", "median_ms", "p95_ms", "amortized_ms", "problems_per_second", "mean_evaluations",
    "mean_forward_passes", "mean_flops", "peak_rss_mb", "parameters", "device"};
const std::vector<std::string> kKnobColumns = {"chains", "steps", "energy", "decode", "measures"};
const std::vector<std::string> kIdentityColumns = {"task", "dataset", "budget_ms", "batch", "seed"};

std::string header() {
  std::string h;
  for (const auto* columns : {&kResultColumns, &kKnobColumns, &kIdentityColumns})
    for (const auto& c : *columns) h += (h.empty() ? "" : ",") + c;
  return h;
}

// The value of ",KEY=" in a spec (the last one: later keys override earlier ones), or 0.
int64_t spec_number(const std::string& spec, const std::string& key) {
  const auto at = spec.rfind("," + key + "=");
  const auto start = at == std::string::npos ? spec.rfind(":" + key + "=") : at;
  if (start == std::string::npos) return 0;
  try {
    return std::stoll(spec.substr(start + key.size() + 2));
  } catch (const std::exception&) {
    return 0;
  }
}

std::vector<std::string> identity_of(const SweepSettings& s, const std::string& dataset) {
  return {s.task, dataset, c10::str(s.budget_ms), std::to_string(s.harness.batch), std::to_string(s.seed)};
}

std::string row_of(const SolverEvaluation& e, const std::vector<std::string>& identity) {
  auto j = to_json(e);
  std::string row;
  for (const auto& column : kResultColumns) {
    const auto& v = j[column];
    row += (row.empty() ? "" : ",") + (v.is_string() ? csv_field(v.get<std::string>()) : v.dump());
  }
  const bool ebm = e.config.value("solver", "") == "ebm";
  nlohmann::json measures(e.measures);
  row += "," + std::to_string(ebm ? spec_number(e.spec, "chains") : 0) + "," +
         std::to_string(ebm ? spec_number(e.spec, "steps") : 0) + "," + csv_field(e.config.value("energy", "")) + "," +
         csv_field(e.config.value("decode", "")) + "," + csv_field(measures.dump());
  for (const auto& value : identity) row += "," + csv_field(value);
  return row + "\n";
}

// The option that sets each identity column, for refusals.
const std::vector<std::string> kIdentityOptions = {
    "--task", "the dataset (--input, --count, --data-seed, --split, task parameters)", "--budget-ms", "--batch",
    "--seed"};

// Refuses a file whose rows belong to another experiment, naming every setting that differs
// ("--budget-ms: file has 1000, this run 2000").
void check_identity(const std::string& contents, const std::vector<std::string>& identity, const std::string& path) {
  std::istringstream in(contents);
  std::string line;
  std::getline(in, line);  // header
  const size_t first = kResultColumns.size() + kKnobColumns.size();
  int row = 1;
  while (std::getline(in, line)) {
    ++row;
    if (line.empty()) continue;
    const auto fields = split_csv_line(line);
    if (fields.size() != first + kIdentityColumns.size())
      throw std::invalid_argument("sweep: " + path + ":" + std::to_string(row) + ": expected " +
                                  std::to_string(first + kIdentityColumns.size()) + " fields, got " +
                                  std::to_string(fields.size()));
    std::string differences;
    for (size_t k = 0; k < kIdentityColumns.size(); ++k)
      if (fields[first + k] != identity[k])
        differences += (differences.empty() ? "" : "; ") + kIdentityOptions[k] + ": file has " + fields[first + k] +
                       ", this run " + identity[k];
    if (!differences.empty())
      throw std::invalid_argument("sweep: " + path + " was written with other settings (" + differences +
                                  "); resume only with the same settings, or choose another --output");
  }
}

}  // namespace

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::vector<std::string> completed_specs(const std::string& csv_path) {
  std::vector<std::string> specs;
  std::ifstream in(csv_path);
  std::string line;
  bool header_line = true;
  while (std::getline(in, line)) {
    if (header_line) {
      header_line = false;
      continue;
    }
    if (!line.empty()) specs.push_back(split_csv_line(line).front());
  }
  return specs;
}

SweepOutcome run_sweep(const Task& task, const std::vector<Example>& examples, const std::vector<std::string>& specs,
                 const SolverFactory& make, const SweepSettings& settings, const std::string& csv_path,
                 std::ostream& log) {
  const auto identity = identity_of(settings, dataset_fingerprint(task, examples));
  std::string contents;
  if (std::filesystem::exists(csv_path)) {
    std::ifstream in(csv_path);
    std::ostringstream existing;
    existing << in.rdbuf();
    contents = existing.str();
    if (contents.substr(0, contents.find('\n')) != header())
      throw std::invalid_argument("sweep: " + csv_path + " exists but is not a sweep CSV of this version (header "
                                  "differs); choose another --output or remove it");
    check_identity(contents, identity, csv_path);
  } else {
    contents = header() + "\n";
  }
  for (const auto& spec : specs) make(spec);  // a bad spec fails before anything runs
  const auto done = completed_specs(csv_path);
  SweepOutcome outcome;
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    if (std::find(done.begin(), done.end(), spec) != done.end()) {
      log << "[" << i + 1 << "/" << specs.size() << "] done already: " << spec << "\n";
      continue;
    }
    std::vector<SolverUnderTest> solvers;
    solvers.push_back({spec, make(spec)});
    auto report = evaluate(task, examples, solvers, settings.harness);
    const auto& e = report.solvers.front();
    contents += row_of(e, identity);
    write_file_atomically(csv_path, contents);
    ++outcome.ran;
    outcome.unsolved += e.unsolved;
    outcome.wrong_claimed += e.wrong_claimed;
    log << "[" << i + 1 << "/" << specs.size() << "] " << spec << ": solved " << e.solved << "/" << e.problems
        << ", mean " << e.mean_ms << " ms\n"
        << std::flush;
  }
  return outcome;
}

}  // namespace ebm
