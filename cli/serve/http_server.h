// `ebm serve` over HTTP/1.1: the endpoints, their limits and faults. The connections are read by
// one poll(2) thread (http_connections.h: slow and idle clients hold a socket, never a thread);
// solve requests are answered by `threads` workers; everything else by that thread at once.
//
//   POST /v1/solve   {task, problems, budget_ms?, deadline_ms?, sampler?, energy?, seed?}
//                    -> 200 {"results": [one per problem, in request order]} (solve_request.h)
//                    400 malformed JSON / unknown task / bad field (named), 413 body over the limit,
//                    503 + Retry-After when the queue is full or the server is shutting down,
//                    500 {"error": "internal error (request N): ..."} for a bug (logged; the server goes on).
//                    The body is sent chunked: while problems run the server writes a space every
//                    100 ms (JSON allows leading whitespace) and a client that has gone away is
//                    noticed by the failing write, which cancels its chains. The deadline runs from
//                    the moment the request's last byte was read (parsing and queueing included).
//   GET  /v1/tasks   the registered tasks.
//   GET  /healthz    200 "ok" once ready (also /health); 503 while shutting down.
//   GET  /metrics    Prometheus text (metrics.h).
// A known path asked with another method: 405 with Allow. Every response carries X-Request-Id.
// One log line per request on stderr.
#pragma once

#include "http_connections.h"
#include "solve_service.h"

#include <functional>
#include <string>

namespace ebm::serve {

struct HttpSettings {
  ConnectionSettings connections;  // address, limits, timeouts (limits.max_body: the service's)
  int threads = 128;               // solve requests answered at once (each holds a worker while it runs)
};

// Serves until `should_stop()` turns true (polled every 50 ms), then drains or cancels through
// service.shutdown(drain_ms), finishes every response and returns 0; returns 1 when it cannot listen.
int run_http_server(SolveService& service, const HttpSettings& settings, double drain_ms,
                    const std::function<bool()>& should_stop);

}  // namespace ebm::serve
