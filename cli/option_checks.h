// Range checks for the CLI's numeric options, applied to the text before CLI11 converts it (CLI11
// 2.1 would read "-1" into an unsigned seed as 2^64 - 1, clamp an integer that overflows, and read
// "010" as octal). A value outside the range ends the run before any work, with one line naming the
// option and the range: "--batch: 9223372036854775808 is not an integer in [1, 65536]".
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include <cstdint>

namespace ebm::cli {

// A decimal integer in [low, high] (the text is rewritten to plain decimal).
CLI::Validator integer_in(int64_t low, int64_t high);
// A real in [low, high], or (low, high] when low_open; never NaN or infinite.
CLI::Validator real_in(double low, double high, bool low_open = false);
// An unsigned 64-bit seed: decimal digits only, [0, 18446744073709551615].
CLI::Validator unsigned_seed();
// A thread count: 0 (LibTorch's default) up to max_threads().
CLI::Validator thread_count();
// Text that is not empty ("--sampler ''" is a mistake, not "the default").
CLI::Validator non_empty();
// A file to be written: its folder exists and a file can be created there (checked by creating and
// removing one), so a run does not fail at its end for want of a folder.
CLI::Validator writable_output();

// The most threads an option may ask for: 4 x this machine's hardware threads (at least 4).
int64_t max_threads();

// --device (auto, cpu, cuda, cuda:N) and --threads (LibTorch's intra-op threads, 0 = its default),
// the pair every command that computes takes.
void add_device_flags(CLI::App* cmd, std::string& device, int& threads);

// Limits shared by the commands.
constexpr int64_t kMaxBatch = 65536;             // problems per solver call
constexpr int64_t kMaxProblems = 1000000;        // generated problems (--count)
constexpr double kMaxBudgetMs = 8.64e7;          // one day per problem
constexpr int64_t kMaxTrainSteps = 100000000;    // optimizer steps

}  // namespace ebm::cli
