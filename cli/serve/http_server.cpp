#include "http_server.h"

#include "request_log.h"

#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <thread>

namespace ebm::serve {

namespace {

using Clock = std::chrono::steady_clock;

// The endpoint label of /metrics: the known paths, everything else one value.
std::string endpoint_of(const HttpRequest* request) {
  if (!request) return "refused";
  for (const char* known : {"/v1/solve", "/v1/tasks", "/healthz", "/health", "/metrics"})
    if (request->path == known) return known;
  return "other";
}

Reply json_reply(int status, const nlohmann::json& body) {
  Reply reply;
  reply.status = status;
  reply.body = json_text(body) + "\n";
  return reply;
}

// The whole of `bytes` on a blocking socket (its send timeout bounds a client that stops reading).
bool send_all(int socket, const std::string& bytes) {
  size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t sent = send(socket, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    at += static_cast<size_t>(sent);
  }
  return true;
}

std::string chunk(const std::string& data) {
  char size[24];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  return size + data + "\r\n";
}

// The results of one solve request as they arrive from the pools.
struct Results {
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<nlohmann::json> results;
  size_t done = 0;
  int64_t verified = 0;
};

class HttpFront {
 public:
  HttpFront(SolveService& service, const HttpSettings& settings)
      : service_(service), loop_(settings.connections, handlers()) {
    for (int t = 0; t < settings.threads; ++t) workers_.emplace_back([this] { work(); });
  }
  ~HttpFront() { finish_workers(); }

  ConnectionLoop& loop() { return loop_; }

  // Every queued request answered (the service refuses new work by now), the workers joined.
  void finish_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finishing_ = true;
    }
    queued_.notify_all();
    for (auto& worker : workers_)
      if (worker.joinable()) worker.join();
  }

 private:
  ConnectionLoop::Handlers handlers() {
    ConnectionLoop::Handlers h;
    h.now = [this](const HttpRequest& request, int64_t) { return route(request); };
    h.later = [this](Handoff handoff) {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(handoff));
      queued_.notify_one();
    };
    h.answered = [this](const LoopExchange& exchange) {
      service_.metrics().request(endpoint_of(exchange.request), exchange.status);
      std::string line = exchange.peer + " " + (exchange.request ? exchange.request->method + " " + exchange.request->path
                                                                 : std::string("-"));
      line += " " + std::to_string(exchange.status) + " " + std::to_string(static_cast<int64_t>(exchange.ms)) + "ms";
      if (!exchange.note.empty()) line += " " + exchange.note;
      log_line(line);
    };
    return h;
  }

  // The loop's answer to a request, or nothing for a solve (a worker's).
  std::optional<Reply> route(const HttpRequest& request) {
    const std::string& path = request.path;
    const bool get = request.method == "GET";
    auto wrong_method = [](const char* allowed) {
      Reply reply = json_reply(405, {{"error", std::string("method not allowed; use ") + allowed}});
      reply.headers.emplace_back("Allow", allowed);
      return reply;
    };
    if (path == "/v1/solve") {
      if (request.method == "POST") return std::nullopt;
      return wrong_method("POST");
    }
    if (path == "/v1/tasks" || path == "/healthz" || path == "/health" || path == "/metrics") {
      if (!get) return wrong_method("GET");
      if (path == "/v1/tasks") return json_reply(200, {{"tasks", service_.tasks_json()}});
      Reply reply;
      reply.content_type = "text/plain";
      if (path == "/metrics") {
        reply.content_type = "text/plain; version=0.0.4";
        reply.body = service_.metrics().text(service_.gauges());
      } else {
        reply.status = service_.accepting() ? 200 : 503;
        reply.body = service_.accepting() ? "ok\n" : "shutting down\n";
      }
      return reply;
    }
    return json_reply(404, {{"error", "no such endpoint (POST /v1/solve, GET /v1/tasks, /healthz, /metrics)"}});
  }

  void work() {
    while (true) {
      Handoff handoff;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        queued_.wait(lock, [&] { return finishing_ || !queue_.empty(); });
        if (queue_.empty()) return;
        handoff = std::move(queue_.front());
        queue_.pop_front();
      }
      bool keep_alive = false;
      int status = 500;
      std::string note;
      try {
        keep_alive = solve(handoff, status, note);
      } catch (const std::exception& e) {  // a bug: logged, answered if nothing was sent yet
        note = "internal error: " + std::string(e.what());
      }
      service_.metrics().request("/v1/solve", status);
      log_line(handoff.peer + " POST /v1/solve " + std::to_string(status) + " " +
               std::to_string(static_cast<int64_t>(
                   std::chrono::duration<double, std::milli>(Clock::now() - handoff.arrival).count())) +
               "ms" + (note.empty() ? "" : " " + note));
      loop_.resume(handoff.connection, keep_alive);
    }
  }

  // A whole reply on the worker's socket; true when the connection may carry another request.
  bool send_reply(const Handoff& handoff, const Reply& reply) {
    std::vector<std::pair<std::string, std::string>> headers = reply.headers;
    headers.emplace_back("X-Request-Id", std::to_string(handoff.request_id));
    const bool close = !handoff.request.keep_alive;
    return send_all(handoff.socket, http_response(reply.status, reply.content_type, reply.body, close, headers)) &&
           !close;
  }

  // Parses, submits and streams one solve request. Returns whether the connection stays open.
  bool solve(const Handoff& handoff, int& status, std::string& note) {
    SolveRequest request;
    auto results = std::make_shared<Results>();
    auto cancel = std::make_shared<CancellationToken>();
    try {
      request = parse_solve_request(handoff.request.body, service_.limits());
      request.arrival = handoff.arrival;
      results->results.resize(request.problems.size());
      service_.submit(request, cancel, [results](size_t index, const nlohmann::json& result) {
        std::lock_guard<std::mutex> lock(results->mutex);
        results->results[index] = result;
        ++results->done;
        results->verified += result.value("verified", false) ? 1 : 0;
        results->arrived.notify_all();
      });
    } catch (const BadRequest& e) {
      status = 400;
      note = e.what();
      return send_reply(handoff, json_reply(400, {{"error", e.what()}}));
    } catch (const Unavailable& e) {
      status = 503;
      note = e.what();
      Reply reply = json_reply(503, {{"error", e.what()}});
      reply.headers.emplace_back("Retry-After", "1");
      return send_reply(handoff, reply);
    } catch (const std::exception& e) {
      status = 500;
      note = "internal error: " + std::string(e.what());
      send_reply(handoff, json_reply(500, {{"error", "internal error (request " + std::to_string(handoff.request_id) +
                                                         "): " + e.what()}}));
      return false;
    }
    status = 200;
    return stream(handoff, request.problems.size(), results, cancel, note);
  }

  // 200, then a space every 100 ms while the problems run (chunked; raw under HTTP/1.0), then the body.
  bool stream(const Handoff& handoff, size_t total, const std::shared_ptr<Results>& results,
              const CancellationPtr& cancel, std::string& note) {
    const bool chunked = !handoff.request.http10;
    const bool close = !handoff.request.keep_alive || !chunked;
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: " +
                       std::to_string(handoff.request_id) + "\r\n";
    head += chunked ? "Transfer-Encoding: chunked\r\n" : "";
    head += close ? "Connection: close\r\n\r\n" : "\r\n";
    auto framed = [chunked](const std::string& data) { return chunked ? chunk(data) : data; };
    bool open = send_all(handoff.socket, head);
    auto last_write = Clock::now();
    std::unique_lock<std::mutex> lock(results->mutex);
    while (open && results->done < total) {
      results->arrived.wait_for(lock, std::chrono::milliseconds(50), [&] { return results->done == total; });
      if (results->done == total || Clock::now() - last_write < std::chrono::milliseconds(100)) continue;
      last_write = Clock::now();
      lock.unlock();
      open = send_all(handoff.socket, framed(" "));
      lock.lock();
    }
    if (!open) {  // the client has gone: stop its chains
      cancel->cancel();
      note = "client disconnected: cancelled";
      return false;
    }
    const std::string body = json_text(nlohmann::json{{"results", results->results}}) + "\n";
    note = "problems=" + std::to_string(total) + " verified=" + std::to_string(results->verified);
    lock.unlock();
    return send_all(handoff.socket, framed(body) + (chunked ? "0\r\n\r\n" : "")) && !close;
  }

  SolveService& service_;
  ConnectionLoop loop_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Handoff> queue_;
  bool finishing_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace

int run_http_server(SolveService& service, const HttpSettings& settings, double drain_ms,
                    const std::function<bool()>& should_stop) {
  HttpSettings effective = settings;
  effective.connections.limits.max_body = service.limits().max_body_bytes;
  HttpFront front(service, effective);
  const auto& address = effective.connections;
  if (!front.loop().listen()) {
    std::cerr << "ebm serve: error: cannot listen on " << address.host << ":" << address.port
              << " (in use, or not an address of this machine)\n";
    return 1;
  }
  std::thread loop([&] { front.loop().run(); });
  log_line("ebm serve: listening on http://" + address.host + ":" + std::to_string(address.port));
  while (!should_stop()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  log_line("ebm serve: stopping: draining for up to " + std::to_string(static_cast<int64_t>(drain_ms)) +
           " ms, then cancelling");
  front.loop().stop_accepting();
  service.shutdown(drain_ms);
  front.finish_workers();
  front.loop().stop();
  loop.join();
  log_line("ebm serve: stopped");
  return 0;
}

}  // namespace ebm::serve
