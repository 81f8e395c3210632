// `ebm serve` over HTTP/1.1 (cpp-httplib): the endpoints, their limits and faults.
//
//   POST /v1/solve   {task, problems, budget_ms?, deadline_ms?, sampler?, energy?, seed?}
//                    -> 200 {"results": [one per problem, in request order]} (solve_request.h)
//                    400 malformed JSON / unknown task / bad field (named), 413 body over the limit,
//                    503 + Retry-After when the queue is full or the server is shutting down.
//                    The body is sent chunked: while problems run the server writes a space every
//                    100 ms (JSON allows leading whitespace) and a client that has gone away is
//                    noticed by the failing write, which cancels its chains.
//   GET  /v1/tasks   the registered tasks.
//   GET  /healthz    200 "ok" once ready.
//   GET  /metrics    Prometheus text (metrics.h).
// One log line per request on stderr.
#pragma once

#include "solve_service.h"

#include <functional>
#include <string>

namespace ebm::serve {

struct HttpSettings {
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 128;  // connections served at once (each waiting request holds one)
};

// Serves until `should_stop()` turns true (polled every 50 ms), then drains or cancels through
// service.shutdown(drain_ms), finishes every response and returns 0; returns 1 when it cannot listen.
int run_http_server(SolveService& service, const HttpSettings& settings, double drain_ms,
                    const std::function<bool()>& should_stop);

}  // namespace ebm::serve
