#include "stdio_server.h"

#include "request_log.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace ebm::serve {

namespace {

// Writes whole lines from any thread.
class LineWriter {
 public:
  explicit LineWriter(std::ostream& out) : out_(out) {}
  void write(const nlohmann::json& line) {
    const std::string text = json_text(line) + "\n";
    std::lock_guard<std::mutex> lock(mutex_);
    out_ << text << std::flush;
  }

 private:
  std::ostream& out_;
  std::mutex mutex_;
};

struct Progress {
  std::atomic<size_t> done{0};
  std::atomic<int64_t> verified{0};
};

// The line's top-level "id", read before anything else can go wrong: a line refused for a number out of
// range, its nesting, or malformed JSON after the id is still answered under its id (null when the
// line has none before the fault).
nlohmann::json id_of(const std::string& line) {
  using Event = nlohmann::json::parse_event_t;
  nlohmann::json id = nullptr;
  bool next_is_id = false;
  auto watch = [&](int depth, Event event, nlohmann::json& parsed) {
    if (depth > 64) throw std::runtime_error("nested too deeply");
    if (depth == 1 && event == Event::key) {
      next_is_id = parsed == "id";
    } else if (next_is_id && depth == 1 && (event == Event::value || event == Event::object_end || event == Event::array_end)) {
      id = parsed;
      next_is_id = false;
    }
    return true;
  };
  try {
    [[maybe_unused]] const auto whole = nlohmann::json::parse(line, watch);
  } catch (const std::exception&) {  // the full parse names what is wrong
  }
  return id;
}

// One input line: submitted, or answered with an error line.
void take_request(SolveService& service, LineWriter& writer, const std::string& line) {
  if (line.find_first_not_of(" \t\r") == std::string::npos) return;
  const auto max_body = static_cast<size_t>(service.limits().max_body_bytes);
  if (line.size() > max_body) {  // as HTTP's 413: not even parsed
    writer.write({{"id", nullptr}, {"error", "request line of " + std::to_string(line.size()) + " bytes is over --max-body " +
                                                 std::to_string(max_body)}, {"status", 413}});
    log_line("stdio 413 " + std::to_string(line.size()) + " bytes");
    service.metrics().request("stdio", 413);
    return;
  }
  const auto arrival = std::chrono::steady_clock::now();
  nlohmann::json id = nullptr;
  auto refuse = [&](int status, const std::string& message) {
    writer.write({{"id", id}, {"error", message}, {"status", status}});
    log_line("stdio id=" + json_text(id) + " " + std::to_string(status) + " " + message);
    service.metrics().request("stdio", status);
  };
  try {
    id = id_of(line);
    SolveRequest request = parse_solve_request(line, service.limits());
    request.arrival = arrival;
    auto progress = std::make_shared<Progress>();
    const size_t total = request.problems.size();
    service.submit(request, nullptr, [&writer, progress, id, total, arrival](size_t index, const nlohmann::json& result) {
      writer.write({{"id", id}, {"index", index}, {"result", result}});
      if (result.value("verified", false)) ++progress->verified;
      if (++progress->done == total) {
        writer.write({{"id", id}, {"done", true}, {"problems", total}, {"verified", progress->verified.load()}});
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - arrival);
        log_line("stdio id=" + json_text(id) + " 200 " + std::to_string(ms.count()) + "ms problems=" + std::to_string(total) +
                 " verified=" + std::to_string(progress->verified.load()));
      }
    });
    service.metrics().request("stdio", 200);
  } catch (const BadRequest& e) {
    refuse(400, e.what());
  } catch (const Unavailable& e) {
    refuse(503, e.what());
  } catch (const std::exception& e) {  // a bug: answered, logged, and the server reads on
    static std::atomic<int64_t> internal_errors{0};
    refuse(500, "internal error (stdio error " + std::to_string(++internal_errors) + "): " + e.what());
  }
}

}  // namespace

int run_stdio_server(SolveService& service, std::istream& in, std::ostream& out, double drain_ms,
                     const std::function<bool()>& should_stop) {
  LineWriter writer(out);
  std::atomic<bool> input_ended{false}, stopping{false};
  // A reader thread takes requests as they arrive; this thread watches for the end or a signal.
  std::thread reader([&] {
    std::string line;
    while (std::getline(in, line)) {
      if (stopping) return;
      take_request(service, writer, line);
    }
    input_ended = true;
  });
  while (!input_ended && !should_stop()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // End of input: answer everything in flight. A signal: stop reading, drain for up to drain_ms, cancel the rest.
  while (service.outstanding() > 0 && !should_stop()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stopping = true;
  service.shutdown(drain_ms);
  while (service.outstanding() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  out << std::flush;
  if (input_ended) {
    reader.join();
    return 0;
  }
  // The reader is blocked in a read that may never return (the parent keeps stdin open): every
  // answer has been written and flushed, so leave without waiting for it.
  std::_Exit(0);
}

}  // namespace ebm::serve
