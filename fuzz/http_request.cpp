// RequestParser (cli/serve/http_message.h): the bytes of HTTP/1.1 requests, as `ebm serve` reads them
// from a socket. The input's first byte sets how the rest is split into reads (1 to 256 bytes each),
// so that every state of the incremental parser meets a read boundary. Properties: it never throws;
// a complete request's body is within max_body and its headers within max_headers; a refusal carries
// one of the documented statuses and a reason.
#include "fuzz/fuzz_support.h"

#include "cli/serve/http_message.h"

#include <set>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ebm::serve::HttpLimits limits;
  limits.max_body = 4096;
  limits.max_headers = 16;
  limits.max_header_bytes = 2048;
  static const std::set<int> documented = {400, 413, 414, 417, 431, 501, 505};
  const size_t read_size = 1 + data[0];
  const std::string bytes = ebm::fuzz::bytes_text(data + 1, size - 1);
  ebm::serve::RequestParser parser(limits);
  std::string buffer;
  using State = ebm::serve::RequestParser::State;
  for (size_t at = 0; at < bytes.size(); at += read_size) {
    buffer.append(bytes, at, read_size);
    State state = parser.feed(buffer);
    while (state == State::Complete) {
      const auto request = parser.take();
      if (static_cast<int64_t>(request.body.size()) > limits.max_body)
        ebm::fuzz::property_failed("a complete request's body is over max_body");
      if (request.headers.size() > limits.max_headers) ebm::fuzz::property_failed("more headers than max_headers");
      state = parser.feed(buffer);  // a pipelined request
    }
    if (state == State::Refused) {
      if (!documented.count(parser.refusal_status()) || parser.refusal().empty())
        ebm::fuzz::property_failed("a refusal without a documented status or a reason");
      return 0;
    }
  }
  return 0;
}
