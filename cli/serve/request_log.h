// The server's log: one line per request (and per start/stop) on stderr, each written whole.
#pragma once

#include <string>

namespace ebm::serve {

// "2026-12-01T18:49:34Z"
std::string utc_now();
// Writes "<utc_now()> <text>\n" to stderr in one piece, from any thread.
void log_line(const std::string& text);

}  // namespace ebm::serve
