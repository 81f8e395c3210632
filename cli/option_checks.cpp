#include "option_checks.h"

#include "ebm/options.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace ebm::cli {

namespace {

// The decimal integer `text` (optional '-' or '+', then digits), when it is one and fits int64_t.
bool read_int64(const std::string& text, int64_t& value) {
  size_t at = text.size() > 0 && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (at == text.size() || text.size() > 21) return false;
  for (size_t i = at; i < text.size(); ++i)
    if (text[i] < '0' || text[i] > '9') return false;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), nullptr, 10);
  if (errno == ERANGE) return false;
  value = v;
  return true;
}

}  // namespace

CLI::Validator integer_in(int64_t low, int64_t high) {
  const std::string range = "[" + std::to_string(low) + ", " + std::to_string(high) + "]";
  return CLI::Validator(
      [low, high, range](std::string& text) -> std::string {
        int64_t value = 0;
        if (!read_int64(text, value) || value < low || value > high)
          return excerpt(text) + " is not an integer in " + range;
        text = std::to_string(value);
        return "";
      },
      "INT in " + range);
}

CLI::Validator real_in(double low, double high, bool low_open) {
  const std::string range = std::string(low_open ? "(" : "[") + format_number(low) + ", " + format_number(high) + "]";
  return CLI::Validator(
      [low, high, low_open, range](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double value = std::strtod(text.c_str(), &end);
        const bool number = !text.empty() && *end == '\0' && std::isfinite(value) && errno != ERANGE;
        if (!number || (low_open ? !(value > low) : !(value >= low)) || !(value <= high))
          return excerpt(text) + " is not a finite number in " + range;
        return "";
      },
      "NUMBER in " + range);
}

CLI::Validator unsigned_seed() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        bool digits = !text.empty() && text.size() <= 20;
        for (char c : text) digits = digits && c >= '0' && c <= '9';
        errno = 0;
        const unsigned long long value = digits ? std::strtoull(text.c_str(), nullptr, 10) : 0;
        if (!digits || errno == ERANGE) return excerpt(text) + " is not an unsigned integer in [0, 18446744073709551615]";
        text = std::to_string(value);
        return "";
      },
      "UINT64");
}

int64_t max_threads() {
  const int64_t hardware = static_cast<int64_t>(std::thread::hardware_concurrency());
  return 4 * std::max<int64_t>(1, hardware);
}

CLI::Validator thread_count() { return integer_in(0, max_threads()); }

CLI::Validator non_empty() {
  return CLI::Validator([](std::string& text) -> std::string { return text.empty() ? "must not be empty" : ""; }, "");
}

CLI::Validator writable_output() {
  return CLI::Validator(
      [](std::string& path) -> std::string {
        if (path.empty()) return "must not be empty";
        namespace fs = std::filesystem;
        const fs::path folder = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
        std::error_code error;
        if (!fs::is_directory(folder, error)) return "'" + path + "': folder '" + folder.string() + "' does not exist";
        if (fs::is_directory(fs::path(path), error)) return "'" + path + "' is a folder, not a file";
        const fs::path probe = folder / (".ebm-write-check-" + std::to_string(getpid()));
        const bool writable = static_cast<bool>(std::ofstream(probe));
        fs::remove(probe, error);
        if (!writable) return "'" + path + "': cannot write in folder '" + folder.string() + "'";
        return "";
      },
      "");
}

void add_device_flags(CLI::App* cmd, std::string& device, int& threads) {
  cmd->add_option("--device", device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  cmd->add_option("--threads", threads, "LibTorch intra-op threads (0 = LibTorch default)")
      ->capture_default_str()
      ->check(thread_count());
}

}  // namespace ebm::cli
