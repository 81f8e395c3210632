#include "ebm/io/weights_archive.h"

#include "ebm/io/zip_directory.h"

#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace ebm {

namespace {

// The blob as LibTorch's zip reader sees it. (caffe2's own MemoryReadAdapter does not clamp reads past
// the end: the zip reader probes the last 4 KB, a heap overflow on a short blob, found by fuzzing.)
class BlobReader final : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit BlobReader(const std::string& blob) : blob_(blob) {}
  size_t size() const override { return blob_.size(); }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
    if (pos >= blob_.size()) return 0;
    const size_t count = std::min<size_t>(n, blob_.size() - pos);
    std::memcpy(buf, blob_.data() + pos, count);
    return count;
  }

 private:
  const std::string& blob_;
};

bool is_code_record(const std::string& name) {
  const std::string suffix = ".py";
  return name.rfind("code/", 0) == 0 && name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_module_save_line(const std::string& line) {
  static const std::string type = R"((Tensor|__torch__(\.[A-Za-z_][A-Za-z0-9_]*)*\.Module))";
  static const std::regex forms(
      R"(|class Module\(Module\):)"
      R"(|  __(parameters|buffers)__ = \[("[A-Za-z0-9_]+", )*\])"
      R"(|  __annotations__ = \[\])"
      R"(|  __annotations__\["[0-9]+"\] = )" + type +
      R"(|  [A-Za-z_][A-Za-z0-9_]* : )" + type);
  return std::regex_match(line, forms);
}

// Bytes of the little-endian unsigned field at `at`, or -1 when it runs past `size`.
int64_t length_field(const char* data, size_t size, size_t at, int bytes) {
  if (at + bytes > size) return -1;
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= static_cast<uint64_t>(static_cast<unsigned char>(data[at + i])) << (8 * i);
  return value > size ? static_cast<int64_t>(size) + 1 : static_cast<int64_t>(value);  // "too long" either way
}

// Walks the pickle's opcodes and checks each length-prefixed argument against the bytes left.
// Stops at STOP or at an opcode it does not know (LibTorch's unpickler judges those).
void check_pickle_lengths(const std::string& name, const char* data, size_t size) {
  size_t at = 0;
  while (at < size) {
    const size_t op_at = at;
    const unsigned char op = static_cast<unsigned char>(data[at++]);
    int64_t length = 0;  // bytes of the argument after any length field
    switch (op) {
      case '.': return;                                   // STOP
      case '(': case '0': case '1': case '2': case 'N': case 'R': case 'a': case 'b': case '}': case 'e':
      case 'l': case ']': case 'o': case 's': case 't': case ')': case 'u': case 'Q': case 'd':
      case 0x81: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89: case 0x8f: case 0x90: case 0x91:
      case 0x92: case 0x93: case 0x94:
        continue;                                         // no argument
      case 'K': case 'h': case 'q': case 0x80: case 0x82: length = 1; break;
      case 'M': case 0x83: length = 2; break;
      case 'J': case 'j': case 'r': case 0x84: length = 4; break;
      case 'G': case 0x95: length = 8; break;
      case 'U': case 'C': case 0x8c: case 0x8a:           // 1-byte length
        length = length_field(data, size, at, 1), at += 1; break;
      case 'T': case 'X': case 'B': case 0x8b:            // 4-byte length
        length = length_field(data, size, at, 4), at += 4; break;
      case 0x8d: case 0x8e:                               // 8-byte length
        length = length_field(data, size, at, 8), at += 8; break;
      case 'c': case 'i':                                 // two text lines
      case 'F': case 'I': case 'L': case 'S': case 'V': case 'g': case 'p': case 'P':  // one text line
        for (int lines = op == 'c' || op == 'i' ? 2 : 1; lines > 0 && at < size; --lines) {
          const void* newline = std::memchr(data + at, '\n', size - at);
          at = newline ? static_cast<size_t>(static_cast<const char*>(newline) - data) + 1 : size + 1;
        }
        continue;
      default: return;
    }
    if (length < 0 || at > size || static_cast<uint64_t>(length) > size - at)
      throw std::runtime_error(name + ": the pickle's opcode at byte " + std::to_string(op_at) +
                               " declares more bytes than the record holds (" + std::to_string(size) + ")");
    at += static_cast<size_t>(length);
  }
}

// Every record's declared size against the blob, before LibTorch's reader allocates it. Tensor
// records are stored (method 0): they declare no more than the blob holds. Module::save deflates
// its small code records (method 8): deflate expands at most 1032-fold, which bounds those.
void check_record_sizes(const std::string& weights) {
  constexpr uint64_t kDeflateMaxRatio = 1032;
  for (const auto& entry : read_zip_directory(weights)) {
    const bool stored = entry.method == 0, deflated = entry.method == 8;
    if (!stored && !deflated)
      throw std::runtime_error("record " + entry.name + " uses zip method " + std::to_string(entry.method) +
                               "; weights archives hold stored (0) or deflated (8) records");
    const uint64_t most = stored ? entry.compressed_size : entry.compressed_size * kDeflateMaxRatio;
    if (entry.compressed_size > weights.size() || entry.uncompressed_size > most)
      throw std::runtime_error("record " + entry.name + " declares " + std::to_string(entry.uncompressed_size) +
                               " bytes (" + std::to_string(entry.compressed_size) + " " +
                               (stored ? "stored" : "deflated") + ") in a " + std::to_string(weights.size()) +
                               "-byte archive");
  }
}

}  // namespace

void check_weights_archive(const std::string& weights) {
  check_record_sizes(weights);
  caffe2::serialize::PyTorchStreamReader reader(std::make_shared<BlobReader>(weights));
  for (const auto& name : reader.getAllRecords()) {
    if (name.size() >= 3 && name.compare(name.size() - 3, 3, "pkl") == 0) {  // data.pkl, *.debug_pkl
      const auto [data, size] = reader.getRecord(name);
      check_pickle_lengths(name, static_cast<const char*>(data.get()), size);
      continue;
    }
    if (!is_code_record(name)) continue;
    const auto [data, size] = reader.getRecord(name);
    std::istringstream text(std::string(static_cast<const char*>(data.get()), size));
    int line_number = 0;
    for (std::string line; std::getline(text, line);) {
      ++line_number;
      if (!is_module_save_line(line))
        throw std::runtime_error(name + " line " + std::to_string(line_number) +
                                 " is not a form Module::save writes: '" + line.substr(0, 80) + "'");
    }
  }
}

}  // namespace ebm
