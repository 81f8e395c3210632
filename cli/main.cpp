// ebm: energy-based reasoning from the command line. See `ebm --help`.
#include "cli/commands.h"

#include <exception>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{
      "ebm - energy-based reasoning: an energy says how wrong an answer is; samplers minimise it.\n"
      "\n"
      "Examples:\n"
      "  ebm samplers                       list every sampler, its options, defaults and meaning\n"
      "  ebm demo                           minimise a built-in energy with two samplers\n"
      "  ebm bench samplers --chains 64     time each sampler against the bare energy+gradient\n"
      "  ebm version                        version, LibTorch, threads, devices\n"
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
  ebm::cli::add_sudoku_commands(app);
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(i ? argv[i] : "ebm");
  ebm::cli::add_train_command(app, command_line);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "ebm: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
