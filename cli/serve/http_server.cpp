#include "http_server.h"

#include "request_log.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

namespace ebm::serve {

namespace {

using Clock = std::chrono::steady_clock;

// Per-thread notes for the request log (httplib serves a request on one thread from start to end).
thread_local Clock::time_point request_start;
thread_local std::string request_note;

void answer_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(json_text(body) + "\n", "application/json");
}

// The results of one solve request as they arrive from the pools.
struct Exchange {
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<nlohmann::json> results;
  size_t done = 0;
  int64_t verified = 0;
};

void handle_solve(SolveService& service, std::atomic<int>& open_responses, const httplib::Request& req,
                  httplib::Response& res) {
  SolveRequest request;
  try {
    request = parse_solve_request(req.body, service.limits());
  } catch (const BadRequest& e) {
    answer_json(res, 400, {{"error", e.what()}});
    return;
  }
  auto exchange = std::make_shared<Exchange>();
  exchange->results.resize(request.problems.size());
  auto cancel = std::make_shared<CancellationToken>();
  try {
    service.submit(request, cancel, [exchange](size_t index, const nlohmann::json& result) {
      std::lock_guard<std::mutex> lock(exchange->mutex);
      exchange->results[index] = result;
      ++exchange->done;
      exchange->verified += result.value("verified", false) ? 1 : 0;
      exchange->arrived.notify_all();
    });
  } catch (const BadRequest& e) {
    answer_json(res, 400, {{"error", e.what()}});
    return;
  } catch (const Unavailable& e) {
    res.set_header("Retry-After", "1");
    answer_json(res, 503, {{"error", e.what()}});
    return;
  }
  ++open_responses;
  const size_t total = request.problems.size();
  auto last_write = std::make_shared<Clock::time_point>(Clock::now());
  res.set_chunked_content_provider(
      "application/json",
      [exchange, cancel, total, last_write](size_t, httplib::DataSink& sink) {
        std::unique_lock<std::mutex> lock(exchange->mutex);
        exchange->arrived.wait_for(lock, std::chrono::milliseconds(50), [&] { return exchange->done == total; });
        if (exchange->done == total) {
          const std::string body = json_text(nlohmann::json{{"results", exchange->results}}) + "\n";
          request_note = "problems=" + std::to_string(total) + " verified=" + std::to_string(exchange->verified);
          lock.unlock();
          if (!sink.write(body.data(), body.size())) return false;
          sink.done();
          return true;
        }
        lock.unlock();
        if (Clock::now() - *last_write >= std::chrono::milliseconds(100)) {
          *last_write = Clock::now();
          if (!sink.write(" ", 1)) {  // the client has gone: stop its chains
            cancel->cancel();
            request_note = "client disconnected: cancelled";
            return false;
          }
        }
        return true;
      },
      [exchange, cancel, &open_responses](bool success) {
        if (!success) cancel->cancel();
        --open_responses;
      });
}

}  // namespace

int run_http_server(SolveService& service, const HttpSettings& settings, double drain_ms,
                    const std::function<bool()>& should_stop) {
  httplib::Server server;
  std::atomic<int> open_responses{0};
  const int threads = settings.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server.set_payload_max_length(static_cast<size_t>(service.limits().max_body_bytes));
  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_start = Clock::now();
    request_note.clear();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_logger([&service](const httplib::Request& req, const httplib::Response& res) {
    service.metrics().request(req.path, res.status);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - request_start).count();
    std::string line = req.remote_addr + " " + req.method + " " + req.path + " " + std::to_string(res.status) + " " +
                       std::to_string(static_cast<int64_t>(ms)) + "ms";
    if (!request_note.empty()) line += " " + request_note;
    log_line(line);
  });
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const char* what = res.status == 413 ? "the body is larger than this server's limit"
                       : res.status == 404 ? "no such endpoint (POST /v1/solve, GET /v1/tasks, /healthz, /metrics)"
                                           : "request refused";
    res.set_content(json_text(nlohmann::json{{"error", what}}) + "\n", "application/json");
  });
  server.Post("/v1/solve", [&](const httplib::Request& req, httplib::Response& res) {
    handle_solve(service, open_responses, req, res);
  });
  server.Get("/v1/tasks", [&](const httplib::Request&, httplib::Response& res) {
    answer_json(res, 200, {{"tasks", service.tasks_json()}});
  });
  server.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) {
    const bool ok = service.accepting();
    res.status = ok ? 200 : 503;
    res.set_content(ok ? "ok\n" : "shutting down\n", "text/plain");
  });
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(service.metrics().text(service.gauges()), "text/plain; version=0.0.4");
  });
  if (!server.bind_to_port(settings.host.c_str(), settings.port)) {
    std::cerr << "ebm serve: error: cannot listen on " << settings.host << ":" << settings.port
              << " (in use, or not an address of this machine)\n";
    return 1;
  }
  std::thread listener([&] { server.listen_after_bind(); });
  log_line("ebm serve: listening on http://" + settings.host + ":" + std::to_string(settings.port));
  while (!should_stop()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  log_line("ebm serve: stopping: draining for up to " + std::to_string(static_cast<int64_t>(drain_ms)) +
           " ms, then cancelling");
  service.shutdown(drain_ms);
  while (open_responses.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  server.stop();
  listener.join();
  log_line("ebm serve: stopped");
  return 0;
}

}  // namespace ebm::serve
