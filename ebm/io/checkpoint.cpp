#include "ebm/checkpoint.h"

#include "ebm/atomic_file.h"
#include "ebm/checkpoint_soundness.h"
#include "ebm/io/weights_archive.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/serialize.h>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iomanip>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

namespace ebm {
namespace {

using nlohmann::json;

constexpr char kMagic[8] = {'E', 'B', 'M', 'C', 'K', 'P', 'T', '\n'};
constexpr char kEndMagic[8] = {'\n', 'E', 'B', 'M', 'E', 'N', 'D', '\n'};
constexpr std::uint64_t kHeaderBytes = 20;   // magic, version, metadata length
constexpr std::uint64_t kLengthBytes = 8;    // weights length
constexpr std::uint64_t kTrailerBytes = 16;  // checksum, closing magic

void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

std::uint64_t get_le(const unsigned char* p, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return value;
}

std::string hex64(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string first_line(const std::string& text) {
  const auto nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string short_dump(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

// ---- reading ------------------------------------------------------------------------------------

struct RawCheckpoint {
  json metadata;
  std::string weights;         // empty unless asked for
  std::uint64_t weights_length = 0;
  std::string training_state;  // empty unless asked for (or none in the file)
};

// What a file that is not a checkpoint looks like, from its first bytes: "" when nothing obvious.
std::string kind_of_foreign_file(const unsigned char* head, std::uint64_t have) {
  const auto starts = [&](const char* magic, std::size_t n) { return have >= n && std::memcmp(head, magic, n) == 0; };
  if (starts("PK\x03\x04", 4)) return "it is a zip archive, e.g. a PyTorch torch.save or TorchScript file";
  if (head[0] == 0x80 && have >= 2 && head[1] >= 2 && head[1] <= 5) return "it is a Python pickle";
  if (starts("\x89HDF", 4)) return "it is an HDF5 file";
  if (starts("\x1f\x8b", 2)) return "it is a gzip stream";
  if (starts("\x93NUMPY", 6)) return "it is a NumPy .npy file";
  bool text = true;
  for (std::uint64_t i = 0; i < have; ++i) {
    const unsigned char c = head[i];
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') text = false;
  }
  if (!text) return "";
  std::uint64_t first = 0;
  while (first < have && std::isspace(head[first])) ++first;
  if (first < have && (head[first] == '{' || head[first] == '[')) return "it is JSON text";
  return "it is text";
}

// Every integer of the architecture within kMaxArchitectureInteger, before anyone sizes a module by it.
void check_architecture_integers(const json& value, const std::string& field, std::string* problem) {
  if (!problem->empty()) return;
  if (value.is_object()) {
    for (const auto& item : value.items())
      check_architecture_integers(item.value(), field.empty() ? item.key() : field + "." + item.key(), problem);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i)
      check_architecture_integers(value[i], field + "[" + std::to_string(i) + "]", problem);
  } else if (value.is_number() && !(std::abs(value.get<double>()) <= double(kMaxArchitectureInteger))) {
    *problem = "architecture field '" + field + "' is " + value.dump() + ", above the limit of " +
               std::to_string(kMaxArchitectureInteger) + " for any size";
  }
}

class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path) {}
  ~Reader() {
    if (file_ != nullptr) std::fclose(file_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  RawCheckpoint read(bool keep_weights, bool keep_state = false) {
    open();
    RawCheckpoint raw;

    // Header: magic, version, metadata length.
    unsigned char header[kHeaderBytes];
    const std::uint64_t have = std::min<std::uint64_t>(size_, kHeaderBytes);
    read_exact(header, have);
    if (std::memcmp(header, kMagic, std::min<std::uint64_t>(have, sizeof kMagic)) != 0) {
      unsigned char head[256];
      const std::uint64_t seen = std::min<std::uint64_t>(size_, sizeof head);
      std::fseek(file_, 0, SEEK_SET);
      const bool got = seen == 0 || std::fread(head, 1, seen, file_) == seen;
      const std::string looks = got ? kind_of_foreign_file(head, seen) : "";
      fail("not an ebm checkpoint (bad magic)" + (looks.empty() ? "" : ": " + looks));
    }
    if (have < kHeaderBytes) {
      fail("truncated: file ends inside the header (" + std::to_string(have) + " of " +
           std::to_string(kHeaderBytes) + " bytes)" + (have == 0 ? ": the file is empty" : ""));
    }
    const auto version = static_cast<std::uint32_t>(get_le(header + 8, 4));
    if (version == 0 || version > kCheckpointFormatVersion) {
      fail("unsupported format version " + std::to_string(version) + " (this build reads up to " +
           std::to_string(kCheckpointFormatVersion) + ")");
    }
    const std::uint64_t metadata_length = get_le(header + 12, 8);
    check_section_fits("metadata", metadata_length);
    std::string metadata_text(metadata_length, '\0');
    read_exact(metadata_text.data(), metadata_length);

    // Weights, then the training state (format version 2).
    raw.weights_length = read_section("weights", keep_weights ? &raw.weights : nullptr);
    if (version >= 2) read_section("training state", keep_state ? &raw.training_state : nullptr);

    // Trailer.
    const std::uint64_t rest = size_ - offset_;
    require_left("trailer", kTrailerBytes);
    const std::uint64_t computed = hash_;
    unsigned char trailer[kTrailerBytes];
    read_exact(trailer, kTrailerBytes);
    if (std::memcmp(trailer + 8, kEndMagic, sizeof kEndMagic) != 0) {
      fail("corrupt: closing magic missing at offset " + std::to_string(offset_ - 8));
    }
    const std::uint64_t stored = get_le(trailer, 8);
    if (stored != computed) {
      fail("corrupt: checksum mismatch (file says " + hex64(stored) + ", contents hash to " + hex64(computed) +
           ")");
    }
    if (rest > kTrailerBytes) {
      fail("corrupt: " + std::to_string(rest - kTrailerBytes) + " unexpected bytes after the end of the checkpoint");
    }

    // Metadata.
    try {
      raw.metadata = json::parse(metadata_text);
    } catch (const json::parse_error& e) {
      fail(std::string("metadata is not valid JSON: ") + e.what());
    }
    if (!raw.metadata.is_object()) fail("metadata is not a JSON object");
    const json format = raw.metadata.value("format", json());
    if (format != json(kCheckpointFormat)) {
      fail("metadata 'format' is " + short_dump(format) + ", expected \"" + kCheckpointFormat + "\"");
    }
    const json format_version = raw.metadata.value("format_version", json());
    if (format_version != json(version)) {
      fail("corrupt: header says format version " + std::to_string(version) + ", metadata says " +
           short_dump(format_version));
    }
    std::string problem;
    check_architecture_integers(raw.metadata.value("architecture", json()), "", &problem);
    if (!problem.empty()) fail(problem);
    const json parameters = raw.metadata.value("parameters", json());
    if (parameters.is_number() && parameters.get<double>() > double(kMaxModelParameters)) {
      fail("metadata 'parameters' is " + parameters.dump() + ", above the limit of " +
           std::to_string(kMaxModelParameters));
    }
    return raw;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const { throw CheckpointError(path_, problem); }

  void open() {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) fail(std::string("cannot open: ") + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) fail("is a directory, not a checkpoint file");
    file_ = std::fopen(path_.c_str(), "rb");
    if (file_ == nullptr) fail(std::string("cannot open: ") + std::strerror(errno));
    size_ = static_cast<std::uint64_t>(st.st_size);
  }

  // Fails as truncated unless `bytes` more bytes of `part` are left.
  void require_left(const std::string& part, std::uint64_t bytes) const {
    if (size_ - offset_ < bytes) {
      fail("truncated: file ends inside the " + part + " (" + std::to_string(size_ - offset_) + " of " +
           std::to_string(bytes) + " bytes)");
    }
  }

  // A length-prefixed section: kept in *out, or read in chunks only for the checksum. Its length.
  std::uint64_t read_section(const std::string& what, std::string* out) {
    require_left(what + " length field", kLengthBytes);
    unsigned char length_field[kLengthBytes];
    read_exact(length_field, kLengthBytes);
    const std::uint64_t length = get_le(length_field, 8);
    check_section_fits(what, length);
    if (out != nullptr) {
      out->resize(length);
      read_exact(out->data(), length);
      return length;
    }
    std::vector<unsigned char> chunk(std::min<std::uint64_t>(length, 1 << 20));
    for (std::uint64_t left = length; left > 0;) {
      const std::uint64_t n = std::min<std::uint64_t>(left, chunk.size());
      read_exact(chunk.data(), n);
      left -= n;
    }
    return length;
  }

  // Reads n bytes that the file size says are there, and feeds them to the checksum.
  void read_exact(void* buffer, std::uint64_t n) {
    if (n == 0) return;
    errno = 0;
    const std::size_t got = std::fread(buffer, 1, n, file_);
    if (got != n) {
      if (std::ferror(file_)) {
        fail("read error at offset " + std::to_string(offset_ + got) + ": " + std::strerror(errno ? errno : EIO));
      }
      fail("truncated: file shrank to " + std::to_string(offset_ + got) + " bytes while being read");
    }
    hash_ = fnv1a64(buffer, n, hash_);
    offset_ += n;
  }

  // A length field pointing past the end is truncation, unless the file still ends with a complete
  // trailer, in which case the length field itself is damaged.
  void check_section_fits(const std::string& what, std::uint64_t length) {
    const std::uint64_t rest = size_ - offset_;
    if (length <= rest) return;
    if (ends_with_closing_magic()) {
      fail("corrupt: the " + what + " length field says " + std::to_string(length) + " bytes, but only " +
           std::to_string(rest) + " bytes follow it although the file ends with a complete trailer");
    }
    fail("truncated: expected " + std::to_string(length) + " bytes of " + what + ", file ends after " +
         std::to_string(rest) + " of them");
  }

  bool ends_with_closing_magic() {
    if (size_ < offset_ + sizeof kEndMagic) return false;
    const long resume = std::ftell(file_);
    char tail[sizeof kEndMagic];
    bool match = std::fseek(file_, -static_cast<long>(sizeof tail), SEEK_END) == 0 &&
                 std::fread(tail, 1, sizeof tail, file_) == sizeof tail &&
                 std::memcmp(tail, kEndMagic, sizeof tail) == 0;
    std::fseek(file_, resume, SEEK_SET);
    return match;
  }

  std::string path_;
  std::FILE* file_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint64_t offset_ = 0;
  std::uint64_t hash_ = fnv1a64(nullptr, 0);
};

// ---- module <-> archive -------------------------------------------------------------------------

// Same layout as torch::nn::Module::save, with every tensor copied to CPU.
void write_module(const torch::nn::Module& module, torch::serialize::OutputArchive& archive) {
  for (const auto& p : module.named_parameters(/*recurse=*/false)) {
    if (p.value().defined()) archive.write(p.key(), p.value().detach().to(torch::kCPU));
  }
  for (const auto& b : module.named_buffers(/*recurse=*/false)) {
    if (b.value().defined()) archive.write(b.key(), b.value().detach().to(torch::kCPU), /*is_buffer=*/true);
  }
  for (const auto& child : module.named_children()) {
    if (!child.value()->is_serializable()) continue;
    torch::serialize::OutputArchive child_archive(archive.compilation_unit());
    write_module(*child.value(), child_archive);
    archive.write(child.key(), child_archive);
  }
}

struct PendingCopy {
  torch::Tensor target;  // the module's own tensor
  torch::Tensor source;  // read from the file, CPU
  bool is_buffer = false;
};

// A problem found while matching; reported parameters first (in named_parameters() order), then
// buffers, then entries the model lacks, so the first one named is the one a reader expects.
struct Problem {
  int rank;  // 0 parameter, 1 buffer, 2 unexpected entry
  std::string text;
};

// "" when the record a tensor was read from holds exactly the bytes its shape and dtype need (as
// write_module writes them: contiguous, from offset 0); otherwise the problem. A crafted record
// shorter than its declared size must be refused before anything reads it, a longer one is not ours.
std::string stored_bytes_problem(const torch::Tensor& t) {
  const double needed = double(t.numel()) * double(t.element_size());
  const double stored = t.has_storage() ? double(t.storage().nbytes()) : 0.0;
  bool covered = t.numel() == 0 || (t.has_storage() && t.storage_offset() >= 0);
  int64_t last = t.storage_offset();
  for (int64_t d = 0; covered && d < t.dim(); ++d) {
    if (t.stride(d) < 0) covered = false;
    else last += (t.size(d) - 1) * t.stride(d);
  }
  if (covered && t.numel() > 0) covered = double(last + 1) * double(t.element_size()) <= stored;
  const bool exact = t.storage_offset() == 0 && t.is_contiguous() && stored == needed;
  if (covered && (exact || t.numel() == 0)) return "";
  return c10::str("is stored in ", static_cast<long long>(stored), " bytes, its shape ", t.sizes(), " of ",
                  c10::toString(t.scalar_type()), " needs ", static_cast<long long>(needed));
}

// Mirrors write_module: matches every tensor of `module` with one in `archive`, recording problems
// instead of touching the module.

void match_module(torch::nn::Module& module, torch::serialize::InputArchive& archive, const std::string& prefix,
                  std::vector<PendingCopy>& copies, std::vector<Problem>& problems) {
  std::set<std::string> used = {"training"};  // TorchScript modules carry a "training" attribute
  const auto match_tensor = [&](const std::string& key, const torch::Tensor& target, bool is_buffer) {
    // "parameter 'NAME' " + what is wrong with it.
    const auto problem = [&](const std::string& text) {
      problems.push_back({is_buffer ? 1 : 0, (is_buffer ? "buffer '" : "parameter '") + prefix + key + "' " + text});
    };
    torch::Tensor source;
    bool found = false;
    try {
      found = archive.try_read(key, source, is_buffer);
    } catch (const std::exception& e) {
      problem("cannot be read: " + first_line(e.what()));
      used.insert(key);
      return;
    }
    if (!found) return problem("is missing from the file");
    used.insert(key);
    if (!source.sizes().equals(target.sizes())) {
      problem("has shape " + c10::str(source.sizes()) + " in the file, " + c10::str(target.sizes()) + " in the model");
    } else if (source.scalar_type() != target.scalar_type()) {
      problem(std::string("has dtype ") + c10::toString(source.scalar_type()) + " in the file, " +
              c10::toString(target.scalar_type()) + " in the model");
    } else if (const std::string stored = stored_bytes_problem(source); !stored.empty()) {
      problem(stored);
    } else if (source.is_floating_point() && source.numel() > 0 && !torch::isfinite(source).all().item<bool>()) {
      problem("holds non-finite values (NaN or Inf)");
    } else if (const std::string size = implausible_magnitude(source); !size.empty()) {
      problem(size + ": not a model of this project");
    } else {
      copies.push_back({target, source, is_buffer});
    }
  };
  for (const auto& p : module.named_parameters(/*recurse=*/false)) {
    if (p.value().defined()) match_tensor(p.key(), p.value(), /*is_buffer=*/false);
  }
  for (const auto& b : module.named_buffers(/*recurse=*/false)) {
    if (b.value().defined()) match_tensor(b.key(), b.value(), /*is_buffer=*/true);
  }
  for (const auto& child : module.named_children()) {
    if (!child.value()->is_serializable()) continue;
    torch::serialize::InputArchive child_archive;
    bool found = false;
    try {
      found = archive.try_read(child.key(), child_archive);
    } catch (const std::exception& e) {
      problems.push_back({0, "submodule '" + prefix + child.key() + "' cannot be read: " + first_line(e.what())});
      used.insert(child.key());
      continue;
    }
    if (!found) {
      // Name its first tensor, which is what a reader of the message will look for.
      const auto params = child.value()->named_parameters(/*recurse=*/true);
      const auto buffers = child.value()->named_buffers(/*recurse=*/true);
      if (params.size() + buffers.size() == 0) continue;  // nothing to load: tolerate its absence
      const std::string first = params.size() > 0 ? "parameter '" + prefix + child.key() + "." + params.keys()[0]
                                                   : "buffer '" + prefix + child.key() + "." + buffers.keys()[0];
      problems.push_back(
          {params.size() > 0 ? 0 : 1, first + "' is missing from the file (no submodule '" + prefix + child.key() + "')"});
      continue;
    }
    used.insert(child.key());
    match_module(*child.value(), child_archive, prefix + child.key() + ".", copies, problems);
  }
  std::vector<std::string> keys;
  try {
    keys = archive.keys();
  } catch (const std::exception& e) {
    problems.push_back({2, "cannot list the entries of '" + prefix + "': " + first_line(e.what())});
    return;
  }
  for (const auto& key : keys) {
    if (used.count(key) == 0) problems.push_back({2, "the file has an entry '" + prefix + key + "' the model lacks"});
  }
}

std::string architecture_difference_at(const json& in_file, const json& expected, const std::string& field) {
  const std::string label = field.empty() ? "the architecture" : "field '" + field + "'";
  if (in_file.is_object() && expected.is_object()) {
    for (const auto& item : expected.items()) {
      const std::string sub = field.empty() ? item.key() : field + "." + item.key();
      const auto it = in_file.find(item.key());
      if (it == in_file.end()) {
        return "field '" + sub + "' is missing in the file, " + short_dump(item.value()) + " expected";
      }
      std::string diff = architecture_difference_at(*it, item.value(), sub);
      if (!diff.empty()) return diff;
    }
    for (const auto& item : in_file.items()) {
      if (!expected.contains(item.key())) {
        const std::string sub = field.empty() ? item.key() : field + "." + item.key();
        return "field '" + sub + "' is " + short_dump(item.value()) + " in the file, not expected";
      }
    }
    return "";
  }
  if (in_file.is_array() && expected.is_array() && in_file.size() == expected.size()) {
    for (std::size_t i = 0; i < in_file.size(); ++i) {
      std::string diff =
          architecture_difference_at(in_file[i], expected[i], field + "[" + std::to_string(i) + "]");
      if (!diff.empty()) return diff;
    }
    return "";
  }
  if (in_file == expected) return "";
  return label + " is " + short_dump(in_file) + " in the file, " + short_dump(expected) + " expected";
}

}  // namespace

std::uint64_t fnv1a64(const void* data, std::size_t size, std::uint64_t state) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    state ^= p[i];
    state *= 0x100000001b3ULL;
  }
  return state;
}

std::string architecture_difference(const json& in_file, const json& expected) {
  return architecture_difference_at(in_file, expected, "");
}

void save_checkpoint(const std::string& path, torch::nn::Module& module, const json& metadata,
                     const std::string& library_version, const std::string& training_state) {
  if (!metadata.is_object()) throw CheckpointError(path, "cannot save: metadata must be a JSON object");
  if (!metadata.contains("kind") || !metadata["kind"].is_string() || metadata["kind"].get<std::string>().empty()) {
    throw CheckpointError(path, "cannot save: metadata needs a non-empty string 'kind'");
  }
  if (!metadata.contains("architecture") || !metadata["architecture"].is_object()) {
    throw CheckpointError(path, "cannot save: metadata needs an object 'architecture'");
  }
  const std::uint32_t version = training_state.empty() ? 1 : 2;
  json meta = metadata;
  meta["format"] = kCheckpointFormat;
  meta["format_version"] = version;
  meta["created"] = utc_now_iso8601();
  if (library_version != "unknown" || !meta.contains("library_version")) meta["library_version"] = library_version;
  for (const char* key : {"task", "training", "metrics"}) {
    if (!meta.contains(key)) meta[key] = nullptr;
  }
  const std::string metadata_text = meta.dump(2, ' ', false, json::error_handler_t::replace);

  std::string weights;
  try {
    torch::serialize::OutputArchive archive;
    write_module(module, archive);
    archive.save_to([&weights](const void* data, std::size_t size) -> std::size_t {
      weights.append(static_cast<const char*>(data), size);
      return size;
    });
  } catch (const std::exception& e) {
    throw CheckpointError(path, "cannot serialise the weights: " + first_line(e.what()));
  }

  std::string head(kMagic, sizeof kMagic);
  put_le(head, version, 4);
  put_le(head, metadata_text.size(), 8);
  std::string weights_length;
  put_le(weights_length, weights.size(), 8);
  std::string state_length;
  if (version >= 2) put_le(state_length, training_state.size(), 8);
  const std::string* parts[] = {&head, &metadata_text, &weights_length, &weights, &state_length, &training_state};
  std::uint64_t hash = fnv1a64(nullptr, 0);
  for (const std::string* part : parts) hash = fnv1a64(part->data(), part->size(), hash);
  std::string trailer;
  put_le(trailer, hash, 8);
  trailer.append(kEndMagic, sizeof kEndMagic);

  try {
    AtomicFileWriter out(path);
    for (const std::string* part : parts) out.write(*part);
    out.write(trailer);
    out.commit();
  } catch (const std::runtime_error& e) {
    throw CheckpointWriteError("checkpoint '" + path + "': cannot write: " + e.what());
  }
}

namespace {

// Every tensor of `archive` and of its nested archives (one per submodule), named from `prefix`.
void collect_tensors(torch::serialize::InputArchive& archive, const std::string& prefix,
                     std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  for (const auto& key : archive.keys()) {
    c10::IValue value;
    archive.read(key, value);
    if (value.isTensor()) {
      const std::string stored = stored_bytes_problem(value.toTensor());
      if (!stored.empty()) throw std::invalid_argument("tensor '" + prefix + key + "' " + stored);
      tensors.emplace_back(prefix + key, value.toTensor());
    } else if (value.isObject()) {
      torch::serialize::InputArchive child;
      archive.read(key, child);
      collect_tensors(child, prefix + key + ".", tensors);
    }  // anything else (TorchScript's "training" flag) holds no weights
  }
}

// The byte length of every tensor record ("data/<k>") of a weights archive, by k.
std::map<int64_t, std::uint64_t> record_lengths(const std::string& weights) {
  std::istringstream in(weights);
  caffe2::serialize::PyTorchStreamReader reader(&in);
  std::map<int64_t, std::uint64_t> lengths;
  for (const auto& name : reader.getAllRecords()) {
    const auto at = name.rfind("data/");
    if (at == std::string::npos || at + 5 == name.size() || (at > 0 && name[at - 1] != '/')) continue;
    const std::string index = name.substr(at + 5);
    if (index.size() > 18 || index.find_first_not_of("0123456789") != std::string::npos) continue;
    lengths[std::stoll(index)] = std::get<1>(reader.getRecord(name));
  }
  return lengths;
}

// Torch sizes a tensor's storage from the count its pickle declares, whatever the record holds: a
// crafted record shorter than that would be read past its end. Storages are written as records
// data/0, data/1, ... in the order the tensors are first met, which is collect_tensors' order, so each
// storage is checked against its own record here, before anything reads a value. "" when all fit.
std::string record_problem(const std::string& weights,
                           const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  const std::map<int64_t, std::uint64_t> lengths = record_lengths(weights);
  std::map<const void*, int64_t> storage_index;  // storage -> its record, in order of first use
  for (const auto& [name, tensor] : tensors) {
    if (!tensor.has_storage()) continue;
    const void* storage = tensor.storage().unsafeGetStorageImpl();
    if (storage_index.count(storage) != 0) continue;
    const int64_t index = static_cast<int64_t>(storage_index.size());
    storage_index[storage] = index;
    const auto record = lengths.find(index);
    const std::uint64_t needed = tensor.storage().nbytes();
    if (record == lengths.end()) return "tensor '" + name + "' has no record data/" + std::to_string(index);
    if (record->second != needed)
      return c10::str("tensor '", name, "' is stored in ", record->second, " bytes, its shape ", tensor.sizes(), " of ",
                      c10::toString(tensor.scalar_type()), " needs ", needed);
  }
  if (lengths.size() != storage_index.size())
    return std::to_string(lengths.size()) + " tensor records for " + std::to_string(storage_index.size()) + " tensors";
  return "";
}

// Deserialises the weights blob into `archive`, lists its tensors in file order, and refuses (with
// CheckpointError) a blob torch cannot read or whose records do not hold what the tensors declare.
std::vector<std::pair<std::string, torch::Tensor>> open_weights(const std::string& path, const std::string& weights,
                                                                torch::serialize::InputArchive& archive) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  std::string problem;
  try {
    check_weights_archive(weights);
    archive.load_from(weights.data(), weights.size(), torch::Device(torch::kCPU));
    collect_tensors(archive, "", tensors);
    problem = record_problem(weights, tensors);
  } catch (const std::exception& e) {
    throw CheckpointError(path, "weights are unreadable: " + first_line(e.what()));
  }
  if (!problem.empty()) throw CheckpointError(path, "corrupt weights: " + problem);
  return tensors;
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> read_checkpoint_tensors(const std::string& path) {
  const RawCheckpoint raw = Reader(path).read(/*keep_weights=*/true);
  torch::serialize::InputArchive archive;
  return open_weights(path, raw.weights, archive);
}

json read_checkpoint_metadata(const std::string& path) {
  return Reader(path).read(/*keep_weights=*/false).metadata;
}

std::string read_checkpoint_training_state(const std::string& path) {
  return Reader(path).read(/*keep_weights=*/false, /*keep_state=*/true).training_state;
}

void require_checkpoint_kind(const std::string& path, const json& metadata, const std::string& kind) {
  const json found = metadata.value("kind", json());
  if (found.is_string() && found.get<std::string>() == kind) return;
  throw CheckpointError(path, "kind mismatch: file holds " +
                                  (found.is_string() ? "'" + found.get<std::string>() + "'" : short_dump(found)) +
                                  ", expected '" + kind + "'");
}

void require_weights_fit(const std::string& path, double parameters) {
  const auto show = [](double v) {
    std::ostringstream text;
    text << std::setprecision(12) << v;
    return text.str();
  };
  if (!(parameters <= double(kMaxModelParameters))) {
    throw CheckpointError(path, "the architecture needs " + show(parameters) + " parameters, above the limit of " +
                                    std::to_string(kMaxModelParameters));
  }
  const std::uint64_t stored = Reader(path).read(/*keep_weights=*/false).weights_length;
  if (2.0 * parameters > double(stored)) {
    throw CheckpointError(path, "the architecture needs " + show(parameters) + " parameters (" + show(4.0 * parameters) +
                                    " bytes as float32), the file holds " + std::to_string(stored) +
                                    " bytes of weights");
  }
}

json load_checkpoint(const std::string& path, torch::nn::Module& module, const CheckpointExpectation& expect,
                     torch::Device device) {
  RawCheckpoint raw = Reader(path).read(/*keep_weights=*/true);
  const json& meta = raw.metadata;

  if (!expect.kind.empty()) require_checkpoint_kind(path, meta, expect.kind);
  if (!expect.architecture.is_null()) {
    if (!meta.contains("architecture")) throw CheckpointError(path, "architecture mismatch: the file records none");
    const std::string diff = architecture_difference(meta["architecture"], expect.architecture);
    if (!diff.empty()) throw CheckpointError(path, "architecture mismatch: " + diff);
  }

  // Everything is read and checked before the module is touched.
  torch::serialize::InputArchive archive;
  (void)open_weights(path, raw.weights, archive);
  std::vector<PendingCopy> copies;
  std::vector<Problem> problems;
  try {
    match_module(module, archive, "", copies, problems);
  } catch (const std::exception& e) {
    problems.push_back({0, first_line(e.what())});
  }
  // Every learned parameter zero (buffers aside) is no trained model, whatever its checksum says.
  const bool any_parameter = std::any_of(copies.begin(), copies.end(), [](const PendingCopy& c) { return !c.is_buffer; });
  const bool all_zero = any_parameter && std::all_of(copies.begin(), copies.end(), [](const PendingCopy& c) {
    return c.is_buffer || !c.source.is_floating_point() || c.source.numel() == 0 || !c.source.any().item<bool>();
  });
  if (all_zero) problems.push_back({0, "every weight is zero: not a trained model"});
  if (!problems.empty()) {
    std::stable_sort(problems.begin(), problems.end(),
                     [](const Problem& a, const Problem& b) { return a.rank < b.rank; });
    std::string message = "weights do not fit the model: " + problems.front().text;
    if (problems.size() == 2) message += " (and 1 more problem)";
    if (problems.size() > 2) message += " (and " + std::to_string(problems.size() - 1) + " more problems)";
    throw CheckpointError(path, message);
  }
  try {
    (void)torch::empty({0}, torch::TensorOptions().device(device));
  } catch (const std::exception& e) {
    // torch's message for a missing backend runs to a paragraph; its first sentence says it all.
    std::string why = first_line(e.what());
    const auto stop = why.find(". ");
    if (stop != std::string::npos) why.resize(stop + 1);
    throw CheckpointError(path, "cannot use device " + device.str() + ": " + why);
  }

  {
    torch::NoGradGuard no_grad;
    for (auto& c : copies) c.target.copy_(c.source);
  }
  module.to(device);
  return raw.metadata;
}

}  // namespace ebm
