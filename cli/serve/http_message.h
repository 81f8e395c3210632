// HTTP/1.1 requests read incrementally under limits, and responses written as bytes (RFC 9112).
//
// RequestParser is fed bytes as they arrive and either asks for more, completes a request, or
// refuses it with a status and a one-line reason, as soon as the offending byte or header is seen:
//
//   request line over 8 KiB                                        414
//   malformed request line, method or target                       400
//   a version other than HTTP/1.0 or HTTP/1.1                      505
//   header section over max_header_bytes, or over max_headers      431
//   header line without a colon, space before the colon,
//   obsolete line folding, control characters in a value          400
//   Content-Length not a decimal count, or two that differ         400
//   Content-Length together with Transfer-Encoding                 400
//   a transfer coding other than chunked                           501
//   Expect other than 100-continue                                 417
//   a body over max_body (declared, or growing while chunks come)  413
//   a malformed chunk size or chunk framing                        400
//
// A refused request ends its connection: the caller answers the status and closes, since the
// framing of anything after it cannot be trusted. Lines may end in CRLF or a bare LF.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ebm::serve {

struct HttpLimits {
  size_t max_header_bytes = 16384;  // request line and header lines together (trailers count too)
  size_t max_headers = 100;
  int64_t max_body = 1 << 20;       // decoded body bytes
};

struct HttpRequest {
  std::string method, target, path;  // path: target without its query
  bool http10 = false;               // HTTP/1.0 (no chunked responses, closes unless keep-alive)
  bool keep_alive = true;            // the connection stays open after the response
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
  std::string body;
  // The value of header `name` (lower case), "" when absent; several are joined with ", ".
  std::string header(const std::string& name) const;
};

class RequestParser {
 public:
  enum class State { Idle, Head, Body, Complete, Refused };

  explicit RequestParser(HttpLimits limits) : limits_(limits) {}

  // Consumes what it can of `buffer` (erasing the consumed bytes; bytes after a complete request
  // stay there for the next one) and returns the state reached.
  State feed(std::string& buffer);
  State state() const { return state_; }
  // True once a byte of the current request has arrived (Idle is a connection between requests).
  bool started() const { return state_ != State::Idle; }
  // True once, right after a head that asked `Expect: 100-continue` for a body still to come.
  bool take_continue();
  // The complete request; the parser is ready for the next one.
  HttpRequest take();
  int refusal_status() const { return refusal_status_; }
  const std::string& refusal() const { return refusal_; }

 private:
  enum class Chunk { Size, Data, DataEnd, Trailers };
  State refuse(int status, std::string why);
  // Takes one line (without its terminator) from the front of `buffer`; false when none is whole yet.
  bool take_line(std::string& buffer, std::string& line, size_t limit, int status_when_longer, const char* what);
  State request_line(const std::string& line);
  State header_line(const std::string& line);
  State end_of_head();
  State body(std::string& buffer);
  // Moves `count` bytes from the front of `buffer` to the body's pieces.
  void append_body(std::string& buffer, size_t count);
  // Joins the pieces into the request's body.
  State complete_body();
  State chunked_body(std::string& buffer);

  HttpLimits limits_;
  State state_ = State::Idle;
  HttpRequest request_;
  size_t head_bytes_ = 0;
  int64_t body_left_ = 0;  // Content-Length bytes still to read
  bool chunked_ = false, continue_ = false;
  Chunk chunk_ = Chunk::Size;
  int64_t chunk_left_ = 0;
  std::vector<std::string> body_pieces_;
  size_t body_size_ = 0;
  int refusal_status_ = 0;
  std::string refusal_;
};

// The standard reason phrase of `status` ("Bad Request"), "Unknown" for codes not used here.
const char* reason_phrase(int status);

// A whole response: status line, Content-Type, Content-Length, `headers`, Connection: close when
// `close`, then the body.
std::string http_response(int status, const std::string& content_type, const std::string& body, bool close,
                          const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace ebm::serve
