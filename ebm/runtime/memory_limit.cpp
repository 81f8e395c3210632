#include "ebm/memory_limit.h"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

namespace ebm {

uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

std::string byte_text(double bytes) {
  static const char* const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 6) {
    bytes /= 1024.0;
    ++unit;
  }
  char text[64];
  if (unit == 0) std::snprintf(text, sizeof text, "%.0f bytes", bytes);
  else std::snprintf(text, sizeof text, "%.1f %s", bytes, units[unit]);
  return text;
}

void require_memory(double bytes, const std::string& what) {
  const uint64_t available = physical_memory_bytes();
  if (available == 0 || bytes <= static_cast<double>(available)) return;
  throw std::invalid_argument(what + " needs about " + byte_text(bytes) + "; this machine has " +
                              byte_text(static_cast<double>(available)) + " of memory");
}

}  // namespace ebm
