// `ebm serve`: ebm as a long-running reasoning backend (HTTP or JSON lines on stdio) with
// continuous batching. The endpoints and formats are in cli/serve/http_server.h, stdio_server.h and
// solve_request.h; the batching in ebm/samplers/pool.h.
#include "commands.h"
#include "option_checks.h"
#include "serve/http_server.h"
#include "serve/stdio_server.h"
#include "task_flags.h"

#include "ebm/device.h"

#include <csignal>
#include <stdexcept>
#include <pthread.h>

#include <atomic>
#include <iostream>
#include <thread>

namespace ebm::cli {

namespace {

struct ServeFlags {
  serve::HttpSettings http;
  serve::ServiceSettings service;
  bool stdio = false;
  double drain_ms = 5000.0;
  int threads = 1;
};

// SIGTERM and SIGINT become a flag: blocked in every thread, taken by one thread with sigwait.
std::atomic<bool>& stop_requested() {
  static std::atomic<bool> requested{false};
  return requested;
}

void watch_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by every thread made from here on
  std::signal(SIGPIPE, SIG_IGN);                  // a vanished client is an error return, not a kill
  std::thread([signals] {
    int received = 0;
    sigwait(&signals, &received);
    stop_requested() = true;
  }).detach();
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  auto* cmd = app.add_subcommand(
      "serve",
      "run ebm as a reasoning backend: HTTP (POST /v1/solve) or JSON lines on stdio, with continuous batching");
  cmd->footer(
      "\nEvery request's problems join one running chain batch per (task, energy, sampler) at a sampler step and\n"
      "leave it as soon as they are verified or out of budget, so a loaded server keeps its batch full.\n"
      "\nHTTP (default 127.0.0.1:8080):\n"
      "  POST /v1/solve  {\"task\":\"sudoku\",\"problems\":[\"<81 chars>\",...],\"budget_ms\":2000}\n"
      "                  -> {\"results\":[{\"answer\":\"<81 digits>\"|null,\"verified\":true,\"status\":\"verified\",\n"
      "                      \"energy\":0,\"steps\":140,\"ms\":95.2}, ...]}  (request order; answer null unless verified)\n"
      "                  optional: deadline_ms (from arrival), sampler, energy, seed\n"
      "  GET /v1/tasks, GET /healthz (200 once ready), GET /metrics (Prometheus)\n"
      "  400 bad JSON or field (named), 413 body too large, 503 + Retry-After when the queue is full,\n"
      "  405 wrong method, 408 headers or body too slow, 431 too many or too long headers, 500 a bug (request id)\n"
      "  Slow and idle connections are held by one poll(2) thread, never a worker: see --max-connections and the\n"
      "  timeouts below (docs/SERVING.md, docs/RELIABILITY.md \"Server under attack\").\n"
      "\n--stdio: one request per stdin line (add \"id\"); out: {\"id\",\"index\",\"result\"} per problem as it is\n"
      "answered, then {\"id\",\"done\":true,...}. SIGTERM: stop taking work, drain up to --drain-ms, cancel the rest.\n"
      "\nExamples:\n"
      "  ebm serve --port 8080\n"
      "  curl -s localhost:8080/v1/solve -d '{\"task\":\"sudoku\",\"problems\":[\"..83...9..94...3..5....9......5.3.......2...63..7.1.2.......5.......69.1657......\"]}'\n"
      "  echo '{\"id\":1,\"task\":\"sudoku\",\"problems\":[\"...\"]}' | ebm serve --stdio\n");
  auto& connections = flags->http.connections;
  cmd->add_option("--host", connections.host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", connections.port, "TCP port")->capture_default_str()->check(integer_in(1, 65535));
  cmd->add_flag("--stdio", flags->stdio, "JSON lines on stdin/stdout instead of HTTP");
  cmd->add_option("--batch-chains", flags->service.batch_chains,
                  "capacity of each running batch in chains (problems x chains); more waits in the queue")
      ->capture_default_str()->check(integer_in(1, int64_t{1} << 20));
  flags->service.workers = std::max(1u, std::thread::hardware_concurrency());  // the cores available
  cmd->add_option("--workers", flags->service.workers,
                  "running batches (one thread each) per (task, energy, sampler); requests go to the least busy.\n"
                  "A problem's budget_ms is its share of its batch's compute, so a full batch stretches its wall\n"
                  "time instead of cutting its steps; its deadline_ms (wall clock) still bounds it")
      ->capture_default_str()->check(integer_in(1, 256));
  cmd->add_option("--max-queue", flags->service.limits.max_queue,
                  "problems in flight over all clients before 503")->capture_default_str()->check(integer_in(1, int64_t{1} << 24));
  cmd->add_option("--max-problems", flags->service.limits.max_problems, "problems per request")
      ->capture_default_str()->check(integer_in(1, int64_t{1} << 20));
  cmd->add_option("--max-body", flags->service.limits.max_body_bytes, "largest request body in bytes (413 beyond)")
      ->capture_default_str()->check(integer_in(64, int64_t{1} << 30));
  cmd->add_option("--budget-ms", flags->service.limits.default_budget_ms, "sampler time per problem when a request gives none")
      ->capture_default_str()->check(real_in(1.0, 3.6e6));
  cmd->add_option("--max-budget-ms", flags->service.limits.max_budget_ms, "largest budget_ms a request may ask")
      ->capture_default_str()->check(real_in(1.0, 3.6e6));
  cmd->add_option("--deadline-ms", flags->service.limits.default_deadline_ms,
                  "a request's deadline from arrival when it gives none (queue wait included)")
      ->capture_default_str()->check(real_in(1.0, 3.6e7));
  cmd->add_option("--max-pools", flags->service.limits.max_pools, "distinct (task, energy, sampler) batches")
      ->capture_default_str()->check(integer_in(1, 1024));
  cmd->add_option("--http-threads", flags->http.threads,
                  "solve requests answered at once (each holds a thread while its problems run; more wait their turn)")
      ->capture_default_str()->check(integer_in(1, 4096));
  cmd->add_option("--max-connections", connections.max_connections, "open HTTP connections; beyond it 503 and close")
      ->capture_default_str()->check(integer_in(1, 1 << 20));
  cmd->add_option("--max-connections-per-peer", connections.max_connections_per_peer,
                  "open HTTP connections from one address; beyond it 503 and close")
      ->capture_default_str()->check(integer_in(1, 1 << 20));
  cmd->add_option("--header-timeout-ms", connections.header_timeout_ms,
                  "time from a request's first byte to the end of its headers; beyond it 408 and close")
      ->capture_default_str()->check(real_in(10.0, 3.6e6));
  cmd->add_option("--body-timeout-ms", connections.body_timeout_ms,
                  "time from the end of the headers to the end of the body; beyond it 408 and close")
      ->capture_default_str()->check(real_in(10.0, 3.6e6));
  cmd->add_option("--idle-timeout-ms", connections.idle_timeout_ms, "an idle (keep-alive) connection is closed after this")
      ->capture_default_str()->check(real_in(10.0, 3.6e6));
  cmd->add_option("--send-timeout-ms", connections.send_timeout_ms,
                  "a client that takes no bytes of its reply for this long is dropped (its chains cancelled)")
      ->capture_default_str()->check(real_in(10.0, 3.6e6));
  cmd->add_option("--max-headers", connections.limits.max_headers, "header lines per request; beyond it 431")
      ->capture_default_str()->check(integer_in(1, 10000));
  cmd->add_option("--max-header-bytes", connections.limits.max_header_bytes,
                  "request line and headers in bytes; beyond it 431")
      ->capture_default_str()->check(integer_in(256, 1 << 20));
  cmd->add_option("--drain-ms", flags->drain_ms, "on SIGTERM: time to finish in-flight work before cancelling it")
      ->capture_default_str()->check(real_in(0.0, 3.6e6));
  cmd->add_option("--seed", flags->service.seed, "seed of the requests that name none (a request's seed sets its initial states, and the noise of\n"
                  "the batch it starts when it finds it empty)")->capture_default_str()->check(unsigned_seed());
  cmd->add_option("--threads", flags->threads, "LibTorch intra-op threads (1 is safest on a shared machine)")
      ->capture_default_str()->check(integer_in(1, 256));
  cmd->callback([flags] {
    if (flags->service.limits.default_budget_ms > flags->service.limits.max_budget_ms)
      throw CLI::ValidationError("--budget-ms", "larger than --max-budget-ms");
    set_threads(flags->threads);
    watch_signals();
    serve::SolveService service(flags->service);
    auto should_stop = [] { return stop_requested().load(); };
#if EBM_SERVE_HTTP
    exit_status() = flags->stdio ? serve::run_stdio_server(service, std::cin, std::cout, flags->drain_ms, should_stop)
                                 : serve::run_http_server(service, flags->http, flags->drain_ms, should_stop);
#else
    if (!flags->stdio)
      throw std::runtime_error("this ebm was built without HTTP (meson -Dhttp=disabled): use ebm serve --stdio");
    exit_status() = serve::run_stdio_server(service, std::cin, std::cout, flags->drain_ms, should_stop);
#endif
  });
}

}  // namespace ebm::cli
