// The exit status of `ebm`, one table for every command, so that scripts can trust it:
//
//   0    every problem answered and verified (or the command did what it was asked)
//   1    runtime failure not caused by the input: an I/O error such as a full disk, an internal error
//   2    bad input: a usage error, an option out of range, a malformed file, an unsound or unreadable
//        checkpoint, a resume into a file written with other settings
//   3    ran fine, but some problems are unsolved (by some solver, for eval / bench / sweep)
//   4    a solver claimed an answer that the exact verifier rejects: must never happen, the harness checks
//   130  interrupted (SIGINT)
//
// `ebm solve sat|coloring --competition-exit-codes` keeps the SAT-competition convention instead
// (10 = solved, 0 = unknown).
#pragma once

#include <stdexcept>
#include <string>

namespace ebm::cli {

constexpr int kExitOk = 0;
constexpr int kExitRuntimeFailure = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitUnsolved = 3;
constexpr int kExitWrongClaim = 4;
constexpr int kExitInterrupted = 130;

// The table above as text, for `ebm --help` (one line per code).
inline const char* exit_code_table() {
  return "Exit status: 0 every problem answered and verified (or the command did what it was asked)\n"
         "             1 runtime failure not caused by the input (I/O error, internal error)\n"
         "             2 bad input: usage, an option out of range, a malformed file, an unsound checkpoint,\n"
         "               a resume into a file written with other settings\n"
         "             3 ran fine but some problems are unsolved\n"
         "             4 a solver claimed an answer the exact verifier rejects (must never happen)\n"
         "           130 interrupted\n";
}

// Bad input found by a command (exit 2). The library's own bad-input exceptions
// (std::invalid_argument, std::out_of_range, TaskInputError, JSON parse errors) map to 2 as well.
class InputError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Records `status` as the program's exit status unless a more serious one is already recorded
// (4 > 2 > 1 > 3 > 0: a wrong claim outranks everything, an unsolved problem the least).
void raise_exit_status(int status);

}  // namespace ebm::cli
