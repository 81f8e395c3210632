#include "stdio_server.h"

#include "request_log.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
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
  nlohmann::json id = nullptr;
  try {
    auto probe = nlohmann::json::parse(line, nullptr, false);
    if (probe.is_object() && probe.contains("id")) id = probe["id"];
    SolveRequest request = parse_solve_request(line, service.limits());
    auto progress = std::make_shared<Progress>();
    const size_t total = request.problems.size();
    const auto arrival = std::chrono::steady_clock::now();
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
    writer.write({{"id", id}, {"error", e.what()}, {"status", 400}});
    log_line("stdio id=" + json_text(id) + " 400 " + e.what());
    service.metrics().request("stdio", 400);
  } catch (const Unavailable& e) {
    writer.write({{"id", id}, {"error", e.what()}, {"status", 503}});
    log_line("stdio id=" + json_text(id) + " 503 " + e.what());
    service.metrics().request("stdio", 503);
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
