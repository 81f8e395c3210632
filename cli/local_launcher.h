// `ebm train ... --local-processes N`: data-parallel training on this machine without a cluster
// launcher. The launching process trains nothing; it starts N ranks of this same program and watches
// them.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace ebm::cli {

// Starts `processes` ranks of this program (/proc/self/exe), rank R with `arguments` (argv, argv[0]
// first) less the option `option` and its value ("--local-processes 2" or "--local-processes=2"),
// plus "--world-size N --rank R --master 127.0.0.1:PORT" for a loopback port that was free a moment
// before. Logs "launching N local ranks at 127.0.0.1:PORT (rank 0: pid P, ...)" to `log`.
//
// Fails fast: when a rank exits non-zero or is killed, the launcher reports it to `errors` ("rank 1
// (pid P) was killed by signal 9 (Killed); stopping the other ranks"), sends the others SIGTERM
// (SIGKILL after 5 s) and returns that rank's status (128 + signal for a signal). Returns 0 when every
// rank exits 0. The ranks get SIGTERM if the launcher itself dies. Throws std::runtime_error when no
// port or process can be had.
int launch_local_ranks(const std::vector<std::string>& arguments, const std::string& option, int processes,
                       std::ostream& log, std::ostream& errors);

}  // namespace ebm::cli
