#include "http_connections.h"

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ebm::serve {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kLinger = std::chrono::milliseconds(500);
constexpr size_t kReadChunk = 65536;

Clock::time_point after(Clock::time_point start, double ms) {
  return start + std::chrono::microseconds(static_cast<int64_t>(ms * 1000.0));
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void set_blocking(int socket, bool blocking, double send_timeout_ms) {
  const int flags = fcntl(socket, F_GETFL, 0);
  fcntl(socket, F_SETFL, blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK));
  if (!blocking) return;
  timeval timeout{};
  timeout.tv_sec = static_cast<time_t>(send_timeout_ms / 1000.0);
  timeout.tv_usec = static_cast<suseconds_t>((send_timeout_ms - timeout.tv_sec * 1000.0) * 1000.0);
  setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
}

std::string peer_of(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (address.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text, sizeof(text));
  else if (address.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text, sizeof(text));
  return text;
}

// The open-file limit raised to its hard ceiling; returns the soft limit now in force.
int64_t raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur == RLIM_INFINITY ? int64_t{1} << 20 : static_cast<int64_t>(limit.rlim_cur);
}

// {"error": message} as one line; bytes of the request quoted in it that are not UTF-8 become U+FFFD.
std::string error_body(const std::string& message) {
  return nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}
}  // namespace

struct ConnectionLoop::Connection {
  enum class Phase { Reading, Writing, Handed, Lingering };
  Connection(int64_t id_, int fd_, std::string peer_, const HttpLimits& limits)
      : id(id_), fd(fd_), peer(std::move(peer_)), parser(limits) {}
  int64_t id;
  int fd;
  std::string peer;
  RequestParser parser;
  Phase phase = Phase::Reading;
  std::string in, out;
  bool close_after_write = false, in_body = false;
  bool parse_pending = false;  // bytes of a pipelined request wait in `in`
  Clock::time_point idle_since = Clock::now(), request_start, body_start, write_start, linger_until;
};

ConnectionLoop::ConnectionLoop(ConnectionSettings settings, Handlers handlers)
    : settings_(std::move(settings)), handlers_(std::move(handlers)) {
  settings_.max_connections = std::min(settings_.max_connections, raise_file_limit() - 64);
  int pipe_ends[2];
  if (pipe2(pipe_ends, O_NONBLOCK | O_CLOEXEC) == 0) {
    wake_read_ = pipe_ends[0];
    wake_write_ = pipe_ends[1];
  }
}

ConnectionLoop::~ConnectionLoop() {
  for (auto& [id, connection] : connections_) ::close(connection.fd);
  for (int fd : {listener_, wake_read_, wake_write_})
    if (fd >= 0) ::close(fd);
}

bool ConnectionLoop::listen() {
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  if (wake_read_ < 0 || getaddrinfo(settings_.host.c_str(), std::to_string(settings_.port).c_str(), &hints, &found) != 0)
    return false;
  for (addrinfo* at = found; at && listener_ < 0; at = at->ai_next) {
    const int fd = socket(at->ai_family, at->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, at->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (bind(fd, at->ai_addr, at->ai_addrlen) == 0 && ::listen(fd, 1024) == 0)
      listener_ = fd;
    else
      ::close(fd);
  }
  freeaddrinfo(found);
  return listener_ >= 0;
}

void ConnectionLoop::wake() {
  const char byte = 1;
  [[maybe_unused]] const ssize_t written = write(wake_write_, &byte, 1);
}

void ConnectionLoop::stop_accepting() {
  stop_accepting_ = true;
  wake();
}

void ConnectionLoop::stop() {
  stopping_ = true;
  wake();
}

void ConnectionLoop::resume(int64_t connection, bool keep_alive) {
  {
    std::lock_guard<std::mutex> lock(resumed_mutex_);
    resumed_.emplace_back(connection, keep_alive);
  }
  wake();
}

void ConnectionLoop::run() {
  std::vector<pollfd> polled;
  std::vector<int64_t> ids;
  while (true) {
    take_resumed();
    if (stopping_ && handed_ == 0) break;
    if (stop_accepting_ && listener_ >= 0) {
      ::close(listener_);
      listener_ = -1;
    }
    polled.assign(1, pollfd{wake_read_, POLLIN, 0});
    ids.assign(1, -1);
    const bool accepting = listener_ >= 0 && Clock::now() >= accept_paused_until_;
    if (accepting) {
      polled.push_back(pollfd{listener_, POLLIN, 0});
      ids.push_back(-1);
    }
    for (const auto& [id, connection] : connections_) {
      using Phase = Connection::Phase;
      if (connection.phase == Phase::Handed) continue;
      polled.push_back(pollfd{connection.fd, short(connection.phase == Phase::Writing ? POLLOUT : POLLIN), 0});
      ids.push_back(id);
    }
    const bool pending = std::any_of(connections_.begin(), connections_.end(), [](const auto& entry) {
      return entry.second.parse_pending && entry.second.phase == Connection::Phase::Reading;
    });
    if (poll(polled.data(), polled.size(), pending ? 0 : 50) < 0 && errno != EINTR) break;
    if (polled[0].revents & POLLIN) {
      char drain[256];
      while (read(wake_read_, drain, sizeof(drain)) > 0) {
      }
    }
    if (accepting && (polled[1].revents & POLLIN)) accept_all();
    for (size_t i = accepting ? 2 : 1; i < polled.size(); ++i) {
      if (polled[i].revents == 0) continue;
      auto found = connections_.find(ids[i]);
      if (found == connections_.end()) continue;
      Connection& connection = found->second;
      try {
        if (connection.phase == Connection::Phase::Writing)
          flush(connection);
        else
          read_from(connection);
      } catch (const std::exception&) {  // out of memory, say: this connection goes, the server stays
        close(ids[i]);
      }
    }
    std::vector<int64_t> failed;
    for (auto& [id, connection] : connections_) {
      if (!connection.parse_pending || connection.phase != Connection::Phase::Reading) continue;
      connection.parse_pending = false;
      try {
        parse(connection);
      } catch (const std::exception&) {
        failed.push_back(id);
      }
    }
    for (int64_t id : failed) close(id);
    expire(Clock::now());
  }
  for (auto& [id, connection] : connections_) ::close(connection.fd);
  connections_.clear();
  per_peer_.clear();
}

void ConnectionLoop::accept_all() {
  while (true) {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    const int fd = accept4(listener_, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        accept_paused_until_ = Clock::now() + std::chrono::milliseconds(100);  // out of descriptors: wait
      return;
    }
    const std::string peer = peer_of(address);
    int64_t active = 0;
    for (const auto& [id, connection] : connections_) active += connection.phase != Connection::Phase::Lingering;
    std::string refusal;
    if (active >= settings_.max_connections)
      refusal = "this server holds its limit of " + std::to_string(settings_.max_connections) + " connections";
    else if (per_peer_[peer] >= settings_.max_connections_per_peer)
      refusal = "this server holds its limit of " + std::to_string(settings_.max_connections_per_peer) +
                " connections from " + peer;
    if (!refusal.empty()) {  // answered at once, best effort, and closed
      const std::string reply = http_response(503, "application/json", error_body(refusal + "; retry later"), true,
                                              {{"Retry-After", "1"}});
      [[maybe_unused]] const ssize_t sent = send(fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      shutdown(fd, SHUT_WR);
      ::close(fd);
      LoopExchange exchange;
      exchange.peer = peer;
      exchange.status = 503;
      exchange.note = refusal;
      handlers_.answered(exchange);
      continue;
    }
    ++per_peer_[peer];
    const int64_t id = next_connection_++;
    connections_.emplace(id, Connection(id, fd, peer, settings_.limits));
  }
}

void ConnectionLoop::read_from(Connection& connection) {
  char chunk[kReadChunk];
  const ssize_t got = recv(connection.fd, chunk, sizeof(chunk), 0);
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (got <= 0) {  // the client closed (or the connection broke)
    close(connection.id);
    return;
  }
  if (connection.phase == Connection::Phase::Lingering) return;  // discarded
  connection.in.append(chunk, static_cast<size_t>(got));
  parse(connection);
}

void ConnectionLoop::parse(Connection& connection) {
  const bool was_started = connection.parser.started();
  const auto state = connection.parser.feed(connection.in);
  const auto now = Clock::now();
  if (!was_started && connection.parser.started()) connection.request_start = now;
  if (state == RequestParser::State::Body && !connection.in_body) {
    connection.in_body = true;
    connection.body_start = now;
  }
  if (connection.parser.take_continue()) {
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    [[maybe_unused]] const ssize_t sent =
        send(connection.fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  if (state == RequestParser::State::Refused) {
    Reply reply;
    reply.status = connection.parser.refusal_status();
    reply.body = error_body(connection.parser.refusal());
    answer(connection, reply, true, nullptr, ++next_request_, connection.parser.refusal());
    return;
  }
  if (state != RequestParser::State::Complete) return;
  connection.in_body = false;
  HttpRequest request = connection.parser.take();
  const int64_t request_id = ++next_request_;
  std::optional<Reply> reply;
  try {
    reply = handlers_.now(request, request_id);
  } catch (const std::exception& e) {  // a bug: answered, logged, and the server goes on
    reply = Reply{500, "application/json",
                  error_body("internal error (request " + std::to_string(request_id) + "): " + e.what()), {}};
  }
  if (reply) {
    answer(connection, *reply, !request.keep_alive, &request, request_id);
    return;
  }
  set_blocking(connection.fd, true, settings_.send_timeout_ms);
  Handoff handoff{connection.id, connection.fd, request_id, connection.peer, now, std::move(request)};
  handlers_.later(std::move(handoff));  // if it throws, the caller closes the connection: nothing was handed
  connection.phase = Connection::Phase::Handed;  // resume() is taken on this thread, so after this line
  ++handed_;
}

void ConnectionLoop::answer(Connection& connection, const Reply& reply, bool close, const HttpRequest* request,
                            int64_t request_id, const std::string& note) {
  auto headers = reply.headers;
  headers.emplace_back("X-Request-Id", std::to_string(request_id));
  connection.out += http_response(reply.status, reply.content_type, reply.body, close, headers);
  connection.close_after_write = close;
  connection.phase = Connection::Phase::Writing;
  connection.write_start = Clock::now();
  LoopExchange exchange;
  exchange.request = request;
  exchange.request_id = request_id;
  exchange.peer = connection.peer;
  exchange.status = reply.status;
  exchange.ms = connection.parser.started() || request ? ms_since(connection.request_start) : 0.0;
  exchange.note = note;
  handlers_.answered(exchange);
  flush(connection);
}

void ConnectionLoop::flush(Connection& connection) {
  while (!connection.out.empty()) {
    const ssize_t sent = send(connection.fd, connection.out.data(), connection.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;  // POLLOUT resumes it
    if (sent <= 0) {
      connection.close_after_write = true;
      connection.out.clear();
      break;
    }
    connection.out.erase(0, static_cast<size_t>(sent));
  }
  if (connection.close_after_write) {
    linger(connection);
    return;
  }
  connection.phase = Connection::Phase::Reading;
  connection.idle_since = Clock::now();
  connection.parse_pending = !connection.in.empty();  // a pipelined request: parsed by run()
}

void ConnectionLoop::linger(Connection& connection) {
  shutdown(connection.fd, SHUT_WR);
  connection.phase = Connection::Phase::Lingering;
  connection.linger_until = Clock::now() + kLinger;
  connection.in.clear();
}

void ConnectionLoop::close(int64_t id) {
  auto found = connections_.find(id);
  if (found == connections_.end()) return;
  ::close(found->second.fd);
  auto peer = per_peer_.find(found->second.peer);
  if (peer != per_peer_.end() && --peer->second <= 0) per_peer_.erase(peer);
  connections_.erase(found);
}

void ConnectionLoop::take_resumed() {
  std::vector<std::pair<int64_t, bool>> resumed;
  {
    std::lock_guard<std::mutex> lock(resumed_mutex_);
    resumed.swap(resumed_);
  }
  for (const auto& [id, keep_alive] : resumed) {
    --handed_;
    auto found = connections_.find(id);
    if (found == connections_.end()) continue;
    if (!keep_alive || stopping_) {
      close(id);
      continue;
    }
    Connection& connection = found->second;
    set_blocking(connection.fd, false, 0.0);
    connection.phase = Connection::Phase::Reading;
    connection.idle_since = Clock::now();
    connection.parse_pending = !connection.in.empty();
  }
}

void ConnectionLoop::expire(Clock::time_point now) {
  std::vector<int64_t> closing;
  for (auto& [id, connection] : connections_) {
    using Phase = Connection::Phase;
    switch (connection.phase) {
      case Phase::Handed: break;
      case Phase::Lingering:
        if (now >= connection.linger_until) closing.push_back(id);
        break;
      case Phase::Writing:
        if (now >= after(connection.write_start, settings_.send_timeout_ms)) closing.push_back(id);
        break;
      case Phase::Reading: {
        if (!connection.parser.started()) {
          if (now >= after(connection.idle_since, settings_.idle_timeout_ms)) closing.push_back(id);
          break;
        }
        const bool body = connection.in_body;
        const auto limit = body ? after(connection.body_start, settings_.body_timeout_ms)
                                : after(connection.request_start, settings_.header_timeout_ms);
        if (now < limit) break;
        Reply reply;
        reply.status = 408;
        const double ms = body ? settings_.body_timeout_ms : settings_.header_timeout_ms;
        const std::string why = std::string(body ? "the body" : "the request line and headers") +
                                " did not arrive within " + std::to_string(static_cast<int64_t>(ms)) + " ms";
        reply.body = error_body(why);
        answer(connection, reply, true, nullptr, ++next_request_, why);
        break;
      }
    }
  }
  for (int64_t id : closing) close(id);
}

}  // namespace ebm::serve
