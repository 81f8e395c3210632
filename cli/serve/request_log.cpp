#include "request_log.h"

#include <ctime>
#include <iostream>
#include <mutex>

namespace ebm::serve {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

void log_line(const std::string& text) {
  static std::mutex mutex;
  const std::string line = utc_now() + " " + text + "\n";
  std::lock_guard<std::mutex> lock(mutex);
  std::cerr << line << std::flush;
}

}  // namespace ebm::serve
