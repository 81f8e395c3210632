// `ebm serve --stdio`: JSON lines on stdin/stdout, for a parent process that keeps ebm running.
//
// Each stdin line is one request, the body of POST /v1/solve (solve_request.h) with an optional
// "id". Requests are taken as they arrive, without waiting for earlier ones, and share the running
// batches. Output lines, each written whole:
//   {"id": ID, "index": I, "result": {...}}            one per problem, as soon as it is answered
//   {"id": ID, "done": true, "problems": N, "verified": K}   after the request's last problem
//   {"id": ID, "error": "...", "status": 400|503}       a request that was refused (nothing else follows)
// At end of input the server answers everything in flight and exits 0; on SIGTERM/SIGINT it stops
// reading, drains or cancels (like HTTP) and exits 0 after the last line.
#pragma once

#include "solve_service.h"

#include <functional>
#include <iosfwd>

namespace ebm::serve {

int run_stdio_server(SolveService& service, std::istream& in, std::ostream& out, double drain_ms,
                     const std::function<bool()>& should_stop);

}  // namespace ebm::serve
