// ConnectionLoop: the HTTP server's front, one thread that accepts connections and reads requests
// for all of them (poll(2), non-blocking sockets), so that slow, idle or hostile clients hold a
// socket and a few kilobytes each, never a thread.
//
// A connection is, in turn: waiting for a request (idle), reading one (RequestParser, under
// HttpLimits), answered by the loop (small replies: errors, /healthz, /metrics) or handed to a
// worker (a solve: the worker owns the socket, blocking with a send timeout, until it calls
// resume()), then idle again (keep-alive; pipelined bytes are parsed at once) or closed.
//
// Bounds, each answered once and then the connection closed:
//   connections over max_connections, or over max_connections_per_peer from one address: 503
//   the request line and headers not complete header_timeout_ms after their first byte:   408
//   the body not complete body_timeout_ms after the headers:                              408
//   RequestParser's refusals (framing, sizes, 413 while a chunked body grows):            4xx/5xx
// An idle connection is closed silently after idle_timeout_ms, a reply not taken by the client
// within send_timeout_ms is dropped. After a refusal the loop reads and discards for up to 500 ms
// (so that the client can read the answer before the connection closes), then closes.
#pragma once

#include "http_message.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ebm::serve {

struct ConnectionSettings {
  std::string host = "127.0.0.1";
  int port = 8080;
  HttpLimits limits;
  int64_t max_connections = 1024;         // clamped to the process's open-file limit less a margin
  int64_t max_connections_per_peer = 256;
  double header_timeout_ms = 10000.0;
  double body_timeout_ms = 30000.0;
  double idle_timeout_ms = 5000.0;
  double send_timeout_ms = 10000.0;
};

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A complete request handed to a worker, which answers on `socket` (blocking, send timeout set)
// and then calls ConnectionLoop::resume(connection, keep_alive) exactly once.
struct Handoff {
  int64_t connection = 0;
  int socket = -1;
  int64_t request_id = 0;
  std::string peer;
  std::chrono::steady_clock::time_point arrival;  // when the request's last byte was read
  HttpRequest request;
};

// One exchange the loop answered itself (`request` null when refused before its request line).
struct LoopExchange {
  const HttpRequest* request = nullptr;
  int64_t request_id = 0;
  std::string peer;
  int status = 0;
  double ms = 0.0;  // from the request's first byte
  std::string note;
};

class ConnectionLoop {
 public:
  struct Handlers {
    // Every complete request, on the loop thread: a reply now, or nothing to hand it to `later`.
    std::function<std::optional<Reply>(const HttpRequest&, int64_t request_id)> now;
    // Takes a handed request (queue it: the loop waits while this runs).
    std::function<void(Handoff)> later;
    // After each exchange the loop answered (for the log and the metrics).
    std::function<void(const LoopExchange&)> answered;
  };

  ConnectionLoop(ConnectionSettings settings, Handlers handlers);
  ~ConnectionLoop();
  ConnectionLoop(const ConnectionLoop&) = delete;
  ConnectionLoop& operator=(const ConnectionLoop&) = delete;

  // Binds and listens; false (errno set) when it cannot.
  bool listen();
  // Serves until stop(); returns once no request is handed out, every connection closed.
  void run();
  // Thread-safe. Closes the listening socket (new connections are refused by the kernel).
  void stop_accepting();
  // Thread-safe. run() returns once every handed request has been resumed.
  void stop();
  // Thread-safe: the worker is done with a handed request; keep_alive false closes the connection.
  void resume(int64_t connection, bool keep_alive);

  const ConnectionSettings& settings() const { return settings_; }

 private:
  struct Connection;
  using Clock = std::chrono::steady_clock;
  void wake();
  void accept_all();
  void read_from(Connection& connection);
  void parse(Connection& connection);
  void answer(Connection& connection, const Reply& reply, bool close, const HttpRequest* request, int64_t request_id,
              const std::string& note = "");
  void flush(Connection& connection);
  void linger(Connection& connection);
  void close(int64_t id);
  void take_resumed();
  void expire(Clock::time_point now);

  ConnectionSettings settings_;
  Handlers handlers_;
  int listener_ = -1, wake_read_ = -1, wake_write_ = -1;
  std::map<int64_t, Connection> connections_;
  std::map<std::string, int64_t> per_peer_;
  int64_t next_connection_ = 0, next_request_ = 0, handed_ = 0;
  Clock::time_point accept_paused_until_;
  std::atomic<bool> stop_accepting_{false}, stopping_{false};
  std::mutex resumed_mutex_;
  std::vector<std::pair<int64_t, bool>> resumed_;
};

}  // namespace ebm::serve
