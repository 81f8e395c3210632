// ebm: energy-based reasoning from the command line. See `ebm --help`.
#include "cli/commands.h"
#include "cli/task_flags.h"

#include <csignal>
#include <exception>
#include <iostream>

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
      "  ebm train-ar sudoku --params 165953        train the autoregressive transformer baseline\n"
      "  ebm eval --tier expert --solver ebm --solver ar:m.ckpt --solver reference   one harness, all solvers\n"
      "  ebm tasks                                  the registered tasks (sudoku, sat, coloring, portfolio), formats\n"
      "  ebm solve sat formula.cnf                  SAT competition output: s SATISFIABLE + v lines (exit 10) or s UNKNOWN\n"
      "  ebm samplers                               every sampler, its options, defaults and meaning\n"
      "  ebm bench samplers --chains 64             each sampler's step beside the bare energy+gradient\n"
      "  ebm serve --port 8080                      a reasoning backend: POST /v1/solve, continuous batching\n"
      "  ebm info models/sudoku-energy.ckpt         what a checkpoint holds and whether it is sound\n"
      "  ebm version                                version, LibTorch, threads, devices\n"
      "\n"
      "Sampler specs are text: name:key=value,... and wrappers compose with '/', e.g.\n"
      "  anneal:t_start=5,t_end=0.05/tempering:replicas=8/mala:step=0.02,steps=500\n",
      "ebm"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "print help for every subcommand");
  ebm::cli::add_version_command(app);
  ebm::cli::add_samplers_command(app);
  ebm::cli::add_demo_command(app);
  ebm::cli::add_bench_command(app);
  ebm::cli::add_task_commands(app);
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(i ? argv[i] : "ebm");
  ebm::cli::add_train_commands(app, command_line, std::vector<std::string>(argv, argv + argc));
  ebm::cli::add_eval_command(app);
  ebm::cli::add_sweep_command(app);
  ebm::cli::add_checkpoint_command(app);
  ebm::cli::add_serve_command(app);
  ebm::cli::add_info_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "ebm: error: " << e.what() << "\n";
    return 1;
  }
  return ebm::cli::exit_status();
}
