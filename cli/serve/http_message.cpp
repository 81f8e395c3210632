#include "http_message.h"

#include <algorithm>
#include <cctype>

namespace ebm::serve {

namespace {

constexpr size_t kMaxRequestLine = 8192;
constexpr size_t kMaxChunkLine = 1024;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// RFC 9110 token characters (header names, methods).
bool is_token(const std::string& text) {
  static const std::string extra = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || extra.find(static_cast<char>(c)) != std::string::npos;
  });
}

// Non-empty, at most `longest` characters, each a decimal (or, with `hex`, hexadecimal) digit.
bool is_count(const std::string& text, size_t longest, bool hex) {
  return !text.empty() && text.size() <= longest && std::all_of(text.begin(), text.end(), [hex](unsigned char c) {
    return hex ? std::isxdigit(c) != 0 : std::isdigit(c) != 0;
  });
}

bool has_control(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
}

// The comma-separated elements of a header value, trimmed and lower-cased.
std::vector<std::string> elements(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    const size_t comma = std::min(value.find(',', start), value.size());
    const std::string element = lower(trim(value.substr(start, comma - start)));
    if (!element.empty()) out.push_back(element);
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::string HttpRequest::header(const std::string& name) const {
  std::string joined;
  for (const auto& [key, value] : headers)
    if (key == name) joined += (joined.empty() ? "" : ", ") + value;
  return joined;
}

RequestParser::State RequestParser::refuse(int status, std::string why) {
  refusal_status_ = status;
  refusal_ = std::move(why);
  return state_ = State::Refused;
}

bool RequestParser::take_line(std::string& buffer, std::string& line, size_t limit, int status_when_longer,
                              const char* what) {
  const size_t end = buffer.find('\n');
  if (end == std::string::npos) {
    if (buffer.size() > limit) refuse(status_when_longer, std::string(what) + " longer than " + std::to_string(limit) + " bytes");
    return false;
  }
  if (end > limit) {
    refuse(status_when_longer, std::string(what) + " longer than " + std::to_string(limit) + " bytes");
    return false;
  }
  line.assign(buffer, 0, end > 0 && buffer[end - 1] == '\r' ? end - 1 : end);
  buffer.erase(0, end + 1);
  return true;
}

RequestParser::State RequestParser::feed(std::string& buffer) {
  std::string line;
  while (state_ == State::Idle || state_ == State::Head) {
    if (state_ == State::Idle) {  // empty lines before a request line are ignored (RFC 9112 2.2)
      const size_t start = buffer.find_first_not_of("\r\n");
      buffer.erase(0, start == std::string::npos ? buffer.size() : start);
      if (buffer.empty()) return state_;
      state_ = State::Head;
    }
    const bool first = request_.method.empty();
    const size_t limit = first ? kMaxRequestLine : limits_.max_header_bytes - std::min(head_bytes_, limits_.max_header_bytes);
    if (!take_line(buffer, line, limit, first ? 414 : 431, first ? "request line" : "header section")) return state_;
    head_bytes_ += line.size() + 2;
    if (head_bytes_ > limits_.max_header_bytes)
      return refuse(431, "header section longer than " + std::to_string(limits_.max_header_bytes) + " bytes");
    const State next = first ? request_line(line) : line.empty() ? end_of_head() : header_line(line);
    if (next == State::Refused || next == State::Complete) return next;
  }
  if (state_ == State::Body) return body(buffer);
  return state_;
}

RequestParser::State RequestParser::request_line(const std::string& line) {
  const size_t a = line.find(' '), b = a == std::string::npos ? a : line.find(' ', a + 1);
  if (b == std::string::npos || line.find(' ', b + 1) != std::string::npos)
    return refuse(400, "malformed request line: expected 'METHOD TARGET HTTP/1.1'");
  request_.method = line.substr(0, a);
  request_.target = line.substr(a + 1, b - a - 1);
  const std::string version = line.substr(b + 1);
  if (!is_token(request_.method)) return refuse(400, "malformed request line: bad method");
  if (request_.target.empty() || request_.target[0] != '/' || has_control(request_.target) ||
      request_.target.find('\t') != std::string::npos)
    return refuse(400, "malformed request line: the target must be a path starting with '/'");
  request_.path = request_.target.substr(0, request_.target.find('?'));
  if (version == "HTTP/1.0") {
    request_.http10 = true;
  } else if (version != "HTTP/1.1") {
    const bool looks_like = version.size() == 8 && version.compare(0, 5, "HTTP/") == 0 &&
                            is_count(version.substr(5, 1), 1, false) && version[6] == '.' &&
                            is_count(version.substr(7, 1), 1, false);
    return looks_like ? refuse(505, version + " is not supported (HTTP/1.1 or HTTP/1.0)")
                      : refuse(400, "malformed request line: bad HTTP version");
  }
  return state_;
}

RequestParser::State RequestParser::header_line(const std::string& line) {
  if (line[0] == ' ' || line[0] == '\t') return refuse(400, "obsolete line folding in the headers");
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return refuse(400, "malformed header line (no colon)");
  const std::string name = line.substr(0, colon);
  if (!is_token(name)) return refuse(400, "malformed header name '" + name + "' (no spaces before the colon)");
  const std::string value = trim(line.substr(colon + 1));
  if (has_control(value)) return refuse(400, "control characters in header " + name);
  if (request_.headers.size() >= limits_.max_headers)
    return refuse(431, "more than " + std::to_string(limits_.max_headers) + " headers");
  request_.headers.emplace_back(lower(name), value);
  return state_;
}

RequestParser::State RequestParser::end_of_head() {
  const auto connection = elements(request_.header("connection"));
  const auto has = [&](const char* token) { return std::count(connection.begin(), connection.end(), token) > 0; };
  request_.keep_alive = request_.http10 ? has("keep-alive") : !has("close");
  const auto codings = elements(request_.header("transfer-encoding"));
  const auto lengths = elements(request_.header("content-length"));
  if (!codings.empty() && !lengths.empty())
    return refuse(400, "both Transfer-Encoding and Content-Length: ambiguous framing");
  if (!codings.empty()) {
    if (codings != std::vector<std::string>{"chunked"})
      return refuse(501, "Transfer-Encoding '" + request_.header("transfer-encoding") + "' is not supported (chunked only)");
    if (request_.http10) return refuse(400, "Transfer-Encoding in an HTTP/1.0 request");
    chunked_ = true;
  }
  for (const auto& length : lengths) {
    if (!is_count(length, 18, false))
      return refuse(400, "Content-Length '" + length + "' is not a decimal byte count");
    if (length != lengths.front()) return refuse(400, "conflicting Content-Length values");
  }
  body_left_ = lengths.empty() ? 0 : std::stoll(lengths.front());
  if (body_left_ > limits_.max_body)
    return refuse(413, "body of " + std::to_string(body_left_) + " bytes is over this server's limit of " +
                           std::to_string(limits_.max_body));
  const std::string expect = lower(request_.header("expect"));
  if (!expect.empty() && expect != "100-continue") return refuse(417, "Expect '" + expect + "' is not supported");
  continue_ = expect == "100-continue" && (chunked_ || body_left_ > 0);
  state_ = State::Body;
  return (chunked_ || body_left_ > 0) ? state_ : state_ = State::Complete;
}

RequestParser::State RequestParser::body(std::string& buffer) {
  if (chunked_) return chunked_body(buffer);
  const size_t take = static_cast<size_t>(std::min<int64_t>(body_left_, static_cast<int64_t>(buffer.size())));
  append_body(buffer, take);
  body_left_ -= static_cast<int64_t>(take);
  return body_left_ == 0 ? complete_body() : state_;
}

RequestParser::State RequestParser::chunked_body(std::string& buffer) {
  std::string line;
  while (state_ == State::Body) {
    switch (chunk_) {
      case Chunk::Size: {
        if (!take_line(buffer, line, kMaxChunkLine, 400, "chunk size line")) return state_;
        const std::string size = trim(line.substr(0, line.find(';')));
        if (!is_count(size, 15, true))
          return refuse(400, "malformed chunk size '" + size.substr(0, 32) + "'");
        chunk_left_ = std::stoll(size, nullptr, 16);
        if (static_cast<int64_t>(body_size_) + chunk_left_ > limits_.max_body)
          return refuse(413, "chunked body over this server's limit of " + std::to_string(limits_.max_body) + " bytes");
        chunk_ = chunk_left_ == 0 ? Chunk::Trailers : Chunk::Data;
        break;
      }
      case Chunk::Data: {
        const size_t take = static_cast<size_t>(std::min<int64_t>(chunk_left_, static_cast<int64_t>(buffer.size())));
        append_body(buffer, take);
        chunk_left_ -= static_cast<int64_t>(take);
        if (chunk_left_ > 0) return state_;
        chunk_ = Chunk::DataEnd;
        break;
      }
      case Chunk::DataEnd: {  // CRLF (or LF) and nothing else after the chunk's data
        const size_t terminator = buffer.compare(0, 2, "\r\n") == 0 ? 2 : buffer.compare(0, 1, "\n") == 0 ? 1 : 0;
        if (terminator == 0 && (buffer.size() >= 2 || (buffer.size() == 1 && buffer[0] != '\r')))
          return refuse(400, "chunk data longer than its declared size");
        if (terminator == 0) return state_;
        buffer.erase(0, terminator);
        chunk_ = Chunk::Size;
        break;
      }
      case Chunk::Trailers: {
        const size_t limit = limits_.max_header_bytes - std::min(head_bytes_, limits_.max_header_bytes);
        if (!take_line(buffer, line, limit, 431, "trailer section")) return state_;
        head_bytes_ += line.size() + 2;
        if (line.empty()) return complete_body();
        break;
      }
    }
  }
  return state_;
}

void RequestParser::append_body(std::string& buffer, size_t count) {
  // Pieces of kBodyPiece bytes, never reallocated: a body being read holds about its own size (a
  // doubling string would hold up to 1.5x while it grows), and one that is refused never more than
  // max_body + kBodyPiece. complete_body() joins them once.
  constexpr size_t kBodyPiece = 65536;
  size_t at = 0;
  while (at < count) {
    if (body_pieces_.empty() || body_pieces_.back().size() == kBodyPiece) {
      body_pieces_.emplace_back();
      body_pieces_.back().reserve(kBodyPiece);
    }
    const size_t take = std::min(count - at, kBodyPiece - body_pieces_.back().size());
    body_pieces_.back().append(buffer, at, take);
    at += take;
  }
  body_size_ += count;
  buffer.erase(0, count);
}

RequestParser::State RequestParser::complete_body() {
  request_.body.reserve(body_size_);
  for (const auto& piece : body_pieces_) request_.body += piece;
  body_pieces_.clear();
  return state_ = State::Complete;
}

bool RequestParser::take_continue() {
  const bool asked = continue_;
  continue_ = false;
  return asked;
}

HttpRequest RequestParser::take() {
  HttpRequest done = std::move(request_);
  *this = RequestParser(limits_);
  return done;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string http_response(int status, const std::string& content_type, const std::string& body, bool close,
                          const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string text = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
  text += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [name, value] : headers) text += name + ": " + value + "\r\n";
  if (close) text += "Connection: close\r\n";
  return text + "\r\n" + body;
}

}  // namespace ebm::serve
