#include "tasks/sat/external_solver.h"

#include "ebm/runtime/stopwatch.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ebm::sat {

namespace {

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// A private temporary folder, removed with its files when the object goes.
class TemporaryFolder {
 public:
  TemporaryFolder() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/ebm-sat-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!::mkdtemp(buffer.data())) throw std::runtime_error("cannot create a temporary folder under " + pattern);
    path_ = buffer.data();
  }
  ~TemporaryFolder() {
    for (const auto& file : files_) ::unlink(file.c_str());
    ::rmdir(path_.c_str());
  }
  std::string file(const std::string& name) {
    files_.push_back(path_ + "/" + name);
    return files_.back();
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

// Runs argv with stdout to `stdout_path` (or /dev/null when empty) and stderr to /dev/null; kills it
// after limit_ms. Returns true when it exited by itself.
bool run_with_limit(const std::vector<std::string>& argv, const std::string& stdout_path, double limit_ms) {
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("cannot start " + argv[0] + ": fork failed");
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_WRONLY);
    const int out_fd = stdout_path.empty() ? null_fd : ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(null_fd, STDERR_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(static_cast<int64_t>(limit_ms * 1000));
  auto pause = std::chrono::microseconds(100);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return false;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(5000));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) throw std::runtime_error("cannot run " + argv[0]);
  return WIFEXITED(status);
}

// Reads signed literals until 0 or the end; missing variables stay false.
void read_model(std::istream& in, Assignment& model, const std::string& solver) {
  for (std::string token; in >> token;) {
    if (token == "v") continue;
    const long literal = std::strtol(token.c_str(), nullptr, 10);
    if (literal == 0) return;
    const auto variable = static_cast<size_t>(std::labs(literal));
    if (variable > model.size()) throw std::runtime_error(solver + " printed literal " + token + " out of range");
    model[variable - 1] = literal > 0;
  }
}

ExternalResult parse_minisat(const std::string& result_path, int64_t variables) {
  ExternalResult result;
  std::ifstream in(result_path);
  std::string word;
  if (!(in >> word)) return result;
  if (word == "UNSAT") result.verdict = Verdict::Unsatisfiable;
  if (word != "SAT") return result;
  result.verdict = Verdict::Satisfiable;
  result.model.assign(variables, false);
  read_model(in, result.model, "minisat");
  return result;
}

ExternalResult parse_competition_output(const std::string& output_path, int64_t variables, const std::string& solver) {
  ExternalResult result;
  std::ifstream in(output_path);
  std::ostringstream values;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("s SATISFIABLE", 0) == 0) result.verdict = Verdict::Satisfiable;
    if (line.rfind("s UNSATISFIABLE", 0) == 0) result.verdict = Verdict::Unsatisfiable;
    if (line.rfind("v ", 0) == 0) values << line.substr(2) << ' ';
  }
  if (result.verdict != Verdict::Satisfiable) return result;
  result.model.assign(variables, false);
  std::istringstream literals(values.str());
  read_model(literals, result.model, solver);
  return result;
}

}  // namespace

bool is_known_external_solver(const std::string& name) { return name == "minisat" || name == "cadical"; }

ExternalResult run_external_solver(const std::string& solver, const Formula& formula, double limit_ms) {
  if (!is_known_external_solver(solver)) throw std::runtime_error("unknown external SAT solver '" + solver + "' (minisat, cadical)");
  if (!(limit_ms > 0)) throw std::runtime_error(solver + ": the time limit must be > 0 ms");
  const std::string binary = find_on_path(solver);
  if (binary.empty()) throw std::runtime_error(solver + " not found on PATH: install the Debian package '" + solver + "'");

  TemporaryFolder folder;
  const std::string input = folder.file("formula.cnf"), output = folder.file("result.txt");
  {
    std::ofstream out(input);
    write_dimacs(out, formula);
    if (!out) throw std::runtime_error("cannot write " + input);
  }
  const auto start = Clock::now();
  const bool finished = solver == "minisat"
                            ? run_with_limit({binary, "-verb=0", input, output}, "", limit_ms)
                            : run_with_limit({binary, "-q", input}, output, limit_ms);
  ExternalResult result;
  if (finished) result = solver == "minisat" ? parse_minisat(output, formula.variables)
                                             : parse_competition_output(output, formula.variables, solver);
  result.ms = milliseconds_since(start);
  std::string why;
  if (result.verdict == Verdict::Satisfiable && !satisfies(formula, result.model, &why))
    throw std::runtime_error(solver + " returned a model that fails the verifier: " + why);
  return result;
}

}  // namespace ebm::sat
