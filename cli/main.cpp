// ebm: energy-based reasoning from the command line. See `ebm --help`.
#include "commands.h"
#include "exit_codes.h"
#include "task_flags.h"

#include "ebm/task.h"

#include <c10/util/Exception.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <exception>
#include <iostream>
#include <stdexcept>

namespace {

// "solve sudoku": the subcommands this command line chose, for messages.
std::string command_path(const CLI::App& app) {
  std::string path;
  for (const CLI::App* at = &app; !at->get_subcommands().empty();) {
    at = at->get_subcommands().front();
    path += (path.empty() ? "" : " ") + at->get_name();
  }
  return path;
}

// Prints "ebm: error: MESSAGE" on one line (newlines folded, a LibTorch backtrace passed on inside a
// message cut off) and returns `status`.
int report(const std::string& message, int status) {
  std::string line = message.substr(0, message.find("Exception raised from"));
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  std::cerr << "ebm: error: " << line << "\n";
  return status;
}

// An exception's exit status: bad input (2) for the input-error types, else a runtime failure (1).
int status_of(const std::exception& e) {
  const bool bad_input = dynamic_cast<const std::invalid_argument*>(&e) || dynamic_cast<const std::out_of_range*>(&e) ||
                         dynamic_cast<const ebm::TaskInputError*>(&e) || dynamic_cast<const nlohmann::json::exception*>(&e);
  return bad_input ? ebm::cli::kExitBadInput : ebm::cli::kExitRuntimeFailure;
}

}  // namespace

int main(int argc, char** argv) {
  // A file-size limit (ulimit -f) makes a write fail with EFBIG, reported like a full disk, instead of
  // killing the process with SIGXFSZ halfway through a write.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{
      "ebm - energy-based reasoning: an energy says how wrong an answer is; samplers minimise it.\n"
      "\n"
      "Examples:\n"
      "  ebm demo                                   solve a hard Sudoku, show board, energy trace, time\n"
      "  ebm generate sudoku --count 100 --tier hardest --seed 1 -o hard.csv\n"
      "  ebm solve sudoku --input hard.csv          one line per puzzle: the answer, or 'unsolved'\n"
      "  ebm solve sudoku PUZZLE --json             answer, verified, energy, steps, evaluations, ms\n"
      "  ebm bench sudoku --tier expert --count 200 solve rate and ms per puzzle beside the DLX reference\n"
      "  ebm train sudoku --steps 8000 -o m.ckpt    train the learned energy (checkpoints, --resume)\n"
      "  ebm train sudoku --local-processes 2       the same, data-parallel over 2 processes (c10d, Gloo)\n"
      "  ebm train sudoku --model ar --params 165953  train the autoregressive transformer baseline\n"
      "  ebm eval --tier expert --solver ebm --solver ar:m.ckpt --solver reference   one harness, all solvers\n"
      "  ebm tasks                                  the registered tasks, their formats, energies and parameters\n"
      "  ebm solve sat formula.cnf                  SAT competition output: s SATISFIABLE + v lines, or s UNKNOWN (exit 3)\n"
      "  ebm samplers                               every sampler, its options, defaults and meaning\n"
      "  ebm bench samplers --chains 64             each sampler's step beside the bare energy+gradient\n"
      "  ebm serve --port 8080                      a reasoning backend: POST /v1/solve, continuous batching\n"
      "  ebm info models/sudoku-energy.ckpt         what a checkpoint holds and whether it is sound\n"
      "  ebm version                                version, LibTorch, threads, devices\n"
      "\n"
      "Sampler specs are text: name:key=value,... and wrappers compose with '/', e.g.\n"
      "  anneal:t_start=5,t_end=0.05/tempering:replicas=8/mala:step=0.02,steps=500\n",
      "ebm"};
  app.footer(std::string("\n") + ebm::cli::exit_code_table());
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "print help for every subcommand");
  ebm::cli::add_version_command(app);
  ebm::cli::add_samplers_command(app);
  ebm::cli::add_demo_command(app);
  ebm::cli::add_bench_command(app);
  ebm::cli::add_tasks_command(app);
  ebm::cli::add_solve_command(app);
  ebm::cli::add_generate_command(app);
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(i ? argv[i] : "ebm");
  ebm::cli::add_train_commands(app, command_line, std::vector<std::string>(argv, argv + argc));
  ebm::cli::add_eval_command(app);
  ebm::cli::add_sweep_command(app);
  ebm::cli::add_checkpoint_diff_command(app);
  ebm::cli::add_serve_command(app);
  ebm::cli::add_info_command(app);
  using namespace ebm::cli;
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --help-all
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {  // a command's chosen exit status
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {  // usage: unknown flag, missing argument, value out of range
    std::string what = e.what();
    // "ebm frobnicate", "ebm solve nosuchtask": CLI11 says only that a subcommand is required.
    const CLI::App* chosen = &app;
    while (!chosen->get_subcommands().empty()) chosen = chosen->get_subcommands().front();
    const auto rest = chosen->remaining();
    if (e.get_name() == "RequiredError" && !rest.empty() && !chosen->get_subcommands({}).empty())
      what = "unknown command '" + rest.front() + "'";
    return report(what + " (see ebm " + command_path(app) + (command_path(app).empty() ? "" : " ") + "--help)",
                  kExitBadInput);
  } catch (const c10::Error& e) {  // LibTorch: its first line, never the backtrace
    const std::string text = e.what_without_backtrace();
    return report(command_path(app) + ": LibTorch: " + text.substr(0, text.find('\n')), kExitRuntimeFailure);
  } catch (const std::exception& e) {
    return report(e.what(), status_of(e));
  }
  return exit_status();
}
