// Checkpoints: round trip, refusal of damaged or mismatched files, atomic writes.
#include "ebm/atomic_file.h"
#include "ebm/checkpoint.h"
#include "ebm/checkpoint_soundness.h"
#include "ebm/io/zip_directory.h"

#include <caffe2/serialize/inline_container.h>
#include <doctest/doctest.h>
#include <torch/cuda.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/serialize.h>
#include <torch/types.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>
#include <limits>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct TinyNetImpl : torch::nn::Module {
  TinyNetImpl(std::int64_t in, std::int64_t hidden, std::int64_t out, bool extra_layer = false) {
    fc1 = register_module("fc1", torch::nn::Linear(in, hidden));
    fc2 = register_module("fc2", torch::nn::Linear(hidden, out));
    if (extra_layer) fc3 = register_module("fc3", torch::nn::Linear(out, out));
    scale = register_buffer("scale", torch::rand({hidden}));
  }
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  torch::Tensor scale;
};

// Same as TinyNet without fc2: the file then holds an entry this model lacks.
struct OneLayerImpl : torch::nn::Module {
  OneLayerImpl(std::int64_t in, std::int64_t hidden) {
    fc1 = register_module("fc1", torch::nn::Linear(in, hidden));
    scale = register_buffer("scale", torch::rand({hidden}));
  }
  torch::nn::Linear fc1{nullptr};
  torch::Tensor scale;
};

json tiny_architecture(std::int64_t hidden) { return {{"in", 4}, {"hidden", hidden}, {"out", 3}}; }

json tiny_metadata(std::int64_t hidden) {
  return {{"kind", "toy-net"},
          {"architecture", tiny_architecture(hidden)},
          {"task", "toy"},
          {"training", {{"command", "ebm train toy --steps 10"}, {"data", {{"n", 100}, {"seed", 7}}}}},
          {"metrics", {{"loss", 0.25}, {"accuracy", 1}}}};
}

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("ebm_ckpt_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::uint64_t le64(const std::string& bytes, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return v;
}

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Builds a file by hand, with a correct checksum, so tests can reach the checks behind it.
std::string assemble(std::uint32_t version, const std::string& metadata, const std::string& weights,
                     std::uint64_t weights_length_field) {
  std::string body = "EBMCKPT\n";
  put_le(body, version, 4);
  put_le(body, metadata.size(), 8);
  body += metadata;
  put_le(body, weights_length_field, 8);
  body += weights;
  put_le(body, ebm::fnv1a64(body.data(), body.size()), 8);
  body += "\nEBMEND\n";
  return body;
}

// A TinyNet(4, 8, 3) checkpoint saved as DIR/net.ckpt; its path.
std::string save_tiny_checkpoint(const TempDir& dir) {
  const std::string path = dir.file("net.ckpt");
  TinyNetImpl saved(4, 8, 3);
  ebm::save_checkpoint(path, saved, tiny_metadata(8));
  return path;
}

// A whole checkpoint file edited in place, with its checksum recomputed (and the closing magic kept).
std::string resealed(std::string bytes) {
  bytes.resize(bytes.size() - 16);
  put_le(bytes, ebm::fnv1a64(bytes.data(), bytes.size()), 8);
  return bytes + "\nEBMEND\n";
}

// save_tiny_checkpoint(dir) with `count` bytes at `offset` past the first `key` replaced by
// `replacement`, resealed; its path.
std::string patched_tiny_checkpoint(const TempDir& dir, const std::string& key, std::size_t offset, std::size_t count,
                                    const std::string& replacement) {
  const std::string path = save_tiny_checkpoint(dir);
  std::string bytes = read_bytes(path);
  const auto at = bytes.find(key);
  REQUIRE(at != std::string::npos);  // the zip stores its records uncompressed
  bytes.replace(at + offset, count, replacement);
  write_bytes(path, resealed(bytes));
  return path;
}

std::map<std::string, torch::Tensor> snapshot(const torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : m.named_parameters()) out[p.key()] = p.value().detach().clone();
  for (const auto& b : m.named_buffers()) out["buffer:" + b.key()] = b.value().detach().clone();
  return out;
}

bool same_tensors(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a) {
    const auto it = b.find(name);
    if (it == b.end() || !torch::equal(t, it->second)) return false;
  }
  return true;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Runs f, which must throw CheckpointError; returns its message.
template <typename F>
std::string checkpoint_error_of(F&& f) {
  try {
    f();
  } catch (const ebm::CheckpointError& e) {
    return e.what();
  }
  FAIL("no CheckpointError thrown");
  return "";
}

// Runs f, which must throw CheckpointWriteError (a runtime failure, not bad input); returns its message.
template <typename F>
std::string write_error_of(F&& f) {
  try {
    f();
  } catch (const ebm::CheckpointError& e) {
    FAIL("a write failure reported as bad input: " << e.what());
  } catch (const ebm::CheckpointWriteError& e) {
    return e.what();
  }
  FAIL("no CheckpointWriteError thrown");
  return "";
}

// The CheckpointError of loading `path` into a fresh TinyNet(4, 8, 3), which must stay as it was.
std::string refused_load(const std::string& path, const ebm::CheckpointExpectation& expect = {}) {
  TinyNetImpl target(4, 8, 3);
  const auto before = snapshot(target);
  const std::string message = checkpoint_error_of([&] { ebm::load_checkpoint(path, target, expect); });
  CHECK(same_tensors(before, snapshot(target)));
  return message;
}

// The messages of loading `path` as a toy-net (refused_load) and of listing its tensors.
std::vector<std::string> load_and_list_errors(const std::string& path) {
  return {refused_load(path, {"toy-net", nullptr}), checkpoint_error_of([&] { ebm::read_checkpoint_tensors(path); })};
}

// A TinyNet(4, 8, 3) changed by `poison` (outside autograd), saved as DIR/poisoned.ckpt; its path.
std::string save_poisoned(const TempDir& dir, const std::function<void(TinyNetImpl&)>& poison) {
  TinyNetImpl net(4, 8, 3);
  {
    torch::NoGradGuard no_grad;
    poison(net);
  }
  const std::string path = dir.file("poisoned.ckpt");
  ebm::save_checkpoint(path, net, tiny_metadata(8));
  return path;
}

// The parts of a format-1 file: metadata text and weights blob.
std::pair<std::string, std::string> split_file(const std::string& bytes) {
  const std::uint64_t m = le64(bytes, 12);
  const std::uint64_t w = le64(bytes, 20 + m);
  return {bytes.substr(20, m), bytes.substr(28 + m, w)};
}

// The weights blob (a torch zip archive) rebuilt record by record, with `edit` applied to each
// record's bytes: how a crafted file lies about a tensor's size while its checksum stays right.
std::string rewrite_records(const std::string& weights,
                            const std::function<void(const std::string&, std::string&)>& edit) {
  std::istringstream in(weights);
  caffe2::serialize::PyTorchStreamReader reader(&in);
  std::string out;
  caffe2::serialize::PyTorchStreamWriter writer([&out](const void* data, std::size_t size) {
    out.append(static_cast<const char*>(data), size);
    return size;
  });
  for (const auto& name : reader.getAllRecords()) {
    auto [data, size] = reader.getRecord(name);
    std::string bytes(static_cast<const char*>(data.get()), size);
    edit(name, bytes);
    writer.writeRecord(name, bytes.data(), bytes.size());
  }
  writer.writeEndOfFile();
  return out;
}

// A TinyNet checkpoint whose records of exactly `size` bytes are replaced by `resized` ones, its
// checksum recomputed: only the tensor checks can tell.
std::string crafted_checkpoint(const TempDir& dir, std::size_t size, std::size_t resized) {
  const std::string path = dir.file("crafted.ckpt");
  TinyNetImpl net(4, 8, 3);
  ebm::save_checkpoint(path, net, tiny_metadata(8));
  auto [metadata, weights] = split_file(read_bytes(path));
  int edited = 0;
  weights = rewrite_records(weights, [&](const std::string& name, std::string& bytes) {
    if (name.find("data/") == std::string::npos || bytes.size() != size) return;
    bytes.resize(resized, '\x01');
    ++edited;
  });
  REQUIRE(edited == 1);
  write_bytes(path, assemble(1, metadata, weights, weights.size()));
  return path;
}
}  // namespace

TEST_SUITE("checkpoint") {
  TEST_CASE("fnv1a64 matches the published test vectors") {
    CHECK(ebm::fnv1a64("", 0) == 0xcbf29ce484222325ULL);
    CHECK(ebm::fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL);
    CHECK(ebm::fnv1a64("foobar", 6) == 0x85944171f73967e8ULL);
    // Continuing from a state is the same as hashing the concatenation.
    CHECK(ebm::fnv1a64("bar", 3, ebm::fnv1a64("foo", 3)) == 0x85944171f73967e8ULL);
  }

  TEST_CASE("round trip restores weights and buffers exactly and keeps metadata") {
    TempDir dir;
    const std::string path = dir.file("net.ckpt");
    torch::manual_seed(1);
    TinyNetImpl saved(4, 8, 3);
    ebm::save_checkpoint(path, saved, tiny_metadata(8), "0.1.0-test");

    torch::manual_seed(2);
    TinyNetImpl fresh(4, 8, 3);
    REQUIRE_FALSE(same_tensors(snapshot(saved), snapshot(fresh)));
    const void* fc1_storage = fresh.fc1->weight.data_ptr();

    const json meta = ebm::load_checkpoint(path, fresh, {"toy-net", tiny_architecture(8)});
    CHECK(same_tensors(snapshot(saved), snapshot(fresh)));
    CHECK(fresh.fc1->weight.data_ptr() == fc1_storage);  // loaded in place: optimizers stay valid
    CHECK(fresh.fc1->weight.requires_grad());

    CHECK(meta["format"] == "ebm-checkpoint");
    CHECK(meta["format_version"] == 1);
    CHECK(meta["library_version"] == "0.1.0-test");
    CHECK(std::regex_match(meta["created"].get<std::string>(),
                           std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
    const json original = tiny_metadata(8);
    for (const char* key : {"kind", "architecture", "task", "training", "metrics"}) {
      CHECK_MESSAGE(meta[key] == original[key], key);
    }
    CHECK(ebm::read_checkpoint_metadata(path) == meta);

    // The layout the header documents.
    const std::string bytes = read_bytes(path);
    CHECK(bytes.substr(0, 8) == "EBMCKPT\n");
    CHECK(bytes.substr(bytes.size() - 8) == "\nEBMEND\n");
    const std::uint64_t m = le64(bytes, 12);
    const std::uint64_t w = le64(bytes, 20 + m);
    CHECK(bytes.size() == 44 + m + w);
    CHECK(le64(bytes, 28 + m + w) == ebm::fnv1a64(bytes.data(), 28 + m + w));

    // The weights blob is an ordinary torch archive in Module::save's layout.
    std::istringstream blob(bytes.substr(28 + m, w));
    torch::manual_seed(4);
    TinyNetImpl via_torch(4, 8, 3);
    torch::serialize::InputArchive archive;
    archive.load_from(blob);
    via_torch.load(archive);
    CHECK(same_tensors(snapshot(saved), snapshot(via_torch)));
  }

  TEST_CASE("read_checkpoint_tensors lists every stored tensor by its module name, with its values") {
    TempDir dir;
    const std::string path = dir.file("net.ckpt");
    torch::manual_seed(1);
    TinyNetImpl saved(4, 8, 3);
    ebm::save_checkpoint(path, saved, tiny_metadata(8));
    std::map<std::string, torch::Tensor> read;
    for (const auto& [name, tensor] : ebm::read_checkpoint_tensors(path)) read[name] = tensor;
    std::map<std::string, torch::Tensor> expected;
    for (const auto& p : saved.named_parameters()) expected[p.key()] = p.value().detach();
    for (const auto& b : saved.named_buffers()) expected[b.key()] = b.value();
    CHECK(read.size() == 5);  // fc1.weight, fc1.bias, fc2.weight, fc2.bias, scale
    CHECK(same_tensors(read, expected));
    write_bytes(path, read_bytes(path).substr(0, 100));
    CHECK(has(checkpoint_error_of([&] { ebm::read_checkpoint_tensors(path); }), "truncated"));
  }

  TEST_CASE("missing task, training and metrics are recorded as null; the library version defaults") {
    TempDir dir;
    const std::string path = dir.file("bare.ckpt");
    TinyNetImpl net(4, 8, 3);
    ebm::save_checkpoint(path, net, {{"kind", "toy-net"}, {"architecture", tiny_architecture(8)}});
    const json meta = ebm::read_checkpoint_metadata(path);
    CHECK(meta["library_version"] == "unknown");
    CHECK(meta.contains("task"));
    CHECK(meta["task"].is_null());
    CHECK(meta["training"].is_null());
    CHECK(meta["metrics"].is_null());

    CHECK(has(checkpoint_error_of([&] { ebm::save_checkpoint(path, net, {{"architecture", json::object()}}); }),
              "'kind'"));
    CHECK(has(checkpoint_error_of([&] { ebm::save_checkpoint(path, net, {{"kind", "toy-net"}}); }), "'architecture'"));
  }

  TEST_CASE("a truncated file is refused as truncated, wherever it was cut, and the module is untouched") {
    TempDir dir;
    const std::string path = save_tiny_checkpoint(dir);
    const std::string bytes = read_bytes(path);
    const std::size_t m = le64(bytes, 12);
    const std::size_t w = le64(bytes, 20 + m);

    struct Cut {
      std::size_t length;
      std::string expect;
    };
    const std::vector<Cut> cuts = {
        {0, "inside the header (0 of 20 bytes)"},
        {5, "inside the header (5 of 20 bytes)"},
        {15, "inside the header (15 of 20 bytes)"},
        {20 + m / 2, "truncated: expected " + std::to_string(m) + " bytes of metadata, file ends after " +
                         std::to_string(m / 2) + " of them"},
        {20 + m + 3, "inside the weights length field (3 of 8 bytes)"},
        {28 + m + w / 2, "bytes of weights, file ends after"},
        {28 + m + w + 3, "inside the trailer (3 of 16 bytes)"},
        {bytes.size() - 1, "inside the trailer (15 of 16 bytes)"},
    };
    torch::manual_seed(3);
    TinyNetImpl target(4, 8, 3);
    const auto before = snapshot(target);
    for (const auto& cut : cuts) {
      CAPTURE(cut.length);
      write_bytes(path, bytes.substr(0, cut.length));
      const std::string message = checkpoint_error_of([&] { ebm::load_checkpoint(path, target, {}); });
      CHECK(has(message, "truncated"));
      CHECK_MESSAGE(has(message, cut.expect), message);
      CHECK(has(message, path));
      CHECK(checkpoint_error_of([&] { ebm::read_checkpoint_metadata(path); }) == message);
    }
    CHECK(same_tensors(before, snapshot(target)));

    // The weights message carries both numbers.
    write_bytes(path, bytes.substr(0, 28 + m + 100));
    CHECK(has(checkpoint_error_of([&] { ebm::read_checkpoint_metadata(path); }),
              "truncated: expected " + std::to_string(w) + " bytes of weights, file ends after 100 of them"));
  }

  TEST_CASE("a flipped byte is caught by the checksum") {
    TempDir dir;
    const std::string path = save_tiny_checkpoint(dir);
    const std::string bytes = read_bytes(path);
    const std::size_t m = le64(bytes, 12);
    const std::size_t w = le64(bytes, 20 + m);

    for (const std::size_t at : {28 + m + w / 2, 28 + m + w - 1, std::size_t{25}}) {  // weights, weights, metadata
      CAPTURE(at);
      std::string damaged = bytes;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
      write_bytes(path, damaged);
      const std::string message = refused_load(path);
      CHECK_MESSAGE(has(message, "corrupt: checksum mismatch"), message);
    }

    // A damaged length field in a complete file is reported as damage, not as truncation.
    std::string damaged = bytes;
    damaged[20 + m + 5] = static_cast<char>(0x7f);
    write_bytes(path, damaged);
    const std::string message = checkpoint_error_of([&] { ebm::read_checkpoint_metadata(path); });
    CHECK_MESSAGE(has(message, "corrupt: the weights length field"), message);

    // Bytes appended after the trailer.
    write_bytes(path, bytes + "xyz");
    CHECK(has(checkpoint_error_of([&] { ebm::read_checkpoint_metadata(path); }), "3 unexpected bytes after the end"));
  }

  TEST_CASE("files that are not checkpoints are refused by name") {
    TempDir dir;
    const std::string text = dir.file("notes.txt");
    write_bytes(text, "hello, this is not a checkpoint at all\n");
    CHECK(has(checkpoint_error_of([&] { ebm::read_checkpoint_metadata(text); }), "not an ebm checkpoint (bad magic)"));
    write_bytes(text, "EBX");  // short and wrong
    CHECK(has(checkpoint_error_of([&] { ebm::read_checkpoint_metadata(text); }), "bad magic"));

    const std::string missing = dir.file("missing.ckpt");
    const std::string m = checkpoint_error_of([&] { ebm::read_checkpoint_metadata(missing); });
    CHECK(m == "checkpoint '" + missing + "': cannot open: No such file or directory");
    CHECK(has(checkpoint_error_of([&] { ebm::read_checkpoint_metadata(dir.path().string()); }), "is a directory"));
  }

  TEST_CASE("hand-built files reach the metadata and version checks") {
    TempDir dir;
    const std::string path = dir.file("hand.ckpt");
    const auto problem_of = [&](const std::string& bytes) {
      write_bytes(path, bytes);
      try {
        ebm::read_checkpoint_metadata(path);
      } catch (const ebm::CheckpointError& e) {
        CHECK(e.path() == path);
        return e.problem();
      }
      return std::string("no error");
    };
    CHECK(problem_of(assemble(1, "{\"kind\": ", "", 0)).rfind("metadata is not valid JSON: ", 0) == 0);
    CHECK(problem_of(assemble(1, "[1, 2]", "", 0)) == "metadata is not a JSON object");
    CHECK(problem_of(assemble(1, "{\"format\": \"other\", \"format_version\": 1}", "", 0)) ==
          "metadata 'format' is \"other\", expected \"ebm-checkpoint\"");
    CHECK(problem_of(assemble(7, "{}", "", 0)) == "unsupported format version 7 (this build reads up to 2)");
    CHECK(problem_of(assemble(1, "{\"format\": \"ebm-checkpoint\", \"format_version\": 1}", "", 0)) == "no error");
  }

  TEST_CASE("kind and architecture mismatches name the field") {
    TempDir dir;
    const std::string path = save_tiny_checkpoint(dir);
    TinyNetImpl target(4, 8, 3);
    const auto before = snapshot(target);

    CHECK(checkpoint_error_of([&] { ebm::load_checkpoint(path, target, {"ar-transformer", nullptr}); }) ==
          "checkpoint '" + path + "': kind mismatch: file holds 'toy-net', expected 'ar-transformer'");
    CHECK(checkpoint_error_of([&] { ebm::load_checkpoint(path, target, {"toy-net", tiny_architecture(16)}); }) ==
          "checkpoint '" + path + "': architecture mismatch: field 'hidden' is 8 in the file, 16 expected");
    CHECK(same_tensors(before, snapshot(target)));

    // Numbers compare by value; nested fields are named by path; one-sided fields are mismatches.
    CHECK(ebm::architecture_difference({{"hidden", 64}}, {{"hidden", 64.0}}) == "");
    CHECK(ebm::architecture_difference({{"enc", {{"layers", 2}}}}, {{"enc", {{"layers", 3}}}}) ==
          "field 'enc.layers' is 2 in the file, 3 expected");
    CHECK(ebm::architecture_difference({{"dims", {4, 8}}}, {{"dims", {4, 9}}}) ==
          "field 'dims[1]' is 8 in the file, 9 expected");
    CHECK(ebm::architecture_difference({{"a", 1}}, {{"a", 1}, {"b", "x"}}) ==
          "field 'b' is missing in the file, \"x\" expected");
    CHECK(ebm::architecture_difference({{"a", 1}, {"dropout", 0.5}}, {{"a", 1}}) ==
          "field 'dropout' is 0.5 in the file, not expected");
  }

  TEST_CASE("weights that do not fit the model name the parameter, and the module is untouched") {
    TempDir dir;
    const std::string path = save_tiny_checkpoint(dir);

    TinyNetImpl wider(4, 16, 3);
    auto before = snapshot(wider);
    std::string message = checkpoint_error_of([&] { ebm::load_checkpoint(path, wider, {"toy-net", nullptr}); });
    CHECK_MESSAGE(has(message, "weights do not fit the model: parameter 'fc1.weight' has shape [8, 4] in the file, "
                               "[16, 4] in the model"),
                  message);
    CHECK(has(message, "more problems"));  // fc1.bias, fc2.weight, scale too
    CHECK(same_tensors(before, snapshot(wider)));

    TinyNetImpl deeper(4, 8, 3, /*extra_layer=*/true);
    before = snapshot(deeper);
    message = checkpoint_error_of([&] { ebm::load_checkpoint(path, deeper, {}); });
    CHECK_MESSAGE(has(message, "weights do not fit the model: parameter 'fc3.weight' is missing from the file"),
                  message);
    CHECK(same_tensors(before, snapshot(deeper)));

    OneLayerImpl shallower(4, 8);
    message = checkpoint_error_of([&] { ebm::load_checkpoint(path, shallower, {}); });
    CHECK_MESSAGE(has(message, "weights do not fit the model: the file has an entry 'fc2' the model lacks"), message);

    TinyNetImpl as_double(4, 8, 3);
    as_double.to(torch::kFloat64);
    message = checkpoint_error_of([&] { ebm::load_checkpoint(path, as_double, {}); });
    CHECK_MESSAGE(has(message, "parameter 'fc1.weight' has dtype Float in the file, Double in the model"), message);
  }

  // Regression (fuzz/checkpoint.cpp): LibTorch's TorchScript importer segfaulted on a weights archive
  // whose class definition holds a constant Module::save never writes. Now refused before it runs.
  TEST_CASE("a weights archive with code Module::save does not write is refused, not handed to LibTorch") {
    TempDir dir;
    const std::string path = patched_tiny_checkpoint(dir, "__parameters__ = [", 0, 14, "__parameter3__");

    for (const std::string& message : load_and_list_errors(path)) {
      CHECK_MESSAGE(has(message, "weights are unreadable: code/"), message);
      CHECK_MESSAGE(has(message, "is not a form Module::save writes: '  __parameter3__ = ["), message);
    }
  }

  // Regression (fuzz/checkpoint.cpp, under ASan): a weights blob without a zip directory made the zip
  // reader probe past the blob's end (a heap overflow) through the archive check's read adapter.
  TEST_CASE("a weights blob that is no zip archive is refused as unreadable") {
    TempDir dir;
    const std::string path = dir.file("junk.ckpt");
    const std::string metadata = R"({"format": "ebm-checkpoint", "format_version": 1, "kind": "toy-net", "architecture": {}})";
    for (const std::string& junk : {std::string(5000, 'x'), std::string("PK\x03\x04") + std::string(7000, '\0'), std::string("PK")}) {
      write_bytes(path, assemble(1, metadata, junk, junk.size()));
      const std::string message = checkpoint_error_of([&] { ebm::read_checkpoint_tensors(path); });
      CHECK_MESSAGE(has(message, "weights are unreadable: "), message);
    }
  }

  // Regression (fuzz/checkpoint.cpp): a pickle string length of 2^31 in data.pkl made LibTorch's
  // unpickler reserve 2 GB before finding the record 1 KB long.
  TEST_CASE("a pickle length longer than its record is refused before LibTorch reserves it") {
    TempDir dir;
    const std::string weight_key("X\x06\0\0\0weight", 11);  // BINUNICODE, length 6, "weight"
    const std::string path = patched_tiny_checkpoint(dir, weight_key, 1, 4, std::string("\0\0\0\x80", 4));
    for (const std::string& message : load_and_list_errors(path))
      CHECK_MESSAGE(has(message, "weights are unreadable: data.pkl: the pickle's opcode at byte "), message);
  }

  TEST_CASE("read_zip_directory lists a saved archive's records as stored, and refuses a cut directory") {
    TempDir dir;
    const std::string path = save_tiny_checkpoint(dir);
    const std::string weights = split_file(read_bytes(path)).second;
    std::istringstream in(weights);
    caffe2::serialize::PyTorchStreamReader reader(&in);
    const auto entries = ebm::read_zip_directory(weights);
    REQUIRE(entries.size() == reader.getAllRecords().size());
    for (const auto& entry : entries) {
      CAPTURE(entry.name);
      // Tensors stored; code records stored or deflated (LibTorch 1.13 deflates the larger ones).
      const bool tensor = entry.name.find("/data/") != std::string::npos;
      CHECK((entry.method == 0 || (!tensor && entry.method == 8)));
      if (entry.method == 0) CHECK(entry.compressed_size == entry.uncompressed_size);
      const std::string record = entry.name.substr(entry.name.find('/') + 1);  // "ARCHIVE/data.pkl"
      CHECK(std::get<1>(reader.getRecord(record)) == entry.uncompressed_size);
    }
    CHECK_THROWS_WITH(ebm::read_zip_directory(weights.substr(0, weights.size() - 30)),
                      doctest::Contains("zip archive: "));
    CHECK_THROWS_WITH(ebm::read_zip_directory(std::string(100, '\0')),
                      doctest::Contains("no end-of-central-directory record"));
  }

  TEST_CASE("read_zip_directory takes sizes and counts from the zip64 records when the 32-bit fields say so") {
    // A central directory of one entry whose sizes live in its zip64 extra field, then the zip64 end
    // record, its locator and an end record with every count and offset at its 0xFF.. marker.
    std::string zip;
    put_le(zip, 0x02014b50, 4);
    for (int field : {2, 2, 2}) put_le(zip, 0, field);            // versions, flags
    put_le(zip, 8, 2);                                              // method: deflate
    for (int field : {2, 2, 4}) put_le(zip, 0, field);              // time, date, crc
    put_le(zip, 0xFFFFFFFF, 4);                                     // compressed size: see zip64
    put_le(zip, 0xFFFFFFFF, 4);                                     // uncompressed size: see zip64
    put_le(zip, 3, 2);                                              // name length
    put_le(zip, 20, 2);                                             // extra length
    for (int field : {2, 2, 2, 4, 4}) put_le(zip, 0, field);        // comment, disk, attributes, offset
    zip += "a/x";
    put_le(zip, 0x0001, 2);
    put_le(zip, 16, 2);
    put_le(zip, 5000000000ULL, 8);                                  // uncompressed
    put_le(zip, 7, 8);                                              // compressed
    const std::uint64_t directory_size = zip.size(), zip64_end = zip.size();
    put_le(zip, 0x06064b50, 4);
    put_le(zip, 44, 8);
    for (int field : {2, 2, 4, 4}) put_le(zip, 0, field);
    put_le(zip, 1, 8);                                              // entries on this disk
    put_le(zip, 1, 8);                                              // entries
    put_le(zip, directory_size, 8);
    put_le(zip, 0, 8);                                              // directory offset
    put_le(zip, 0x07064b50, 4);
    put_le(zip, 0, 4);
    put_le(zip, zip64_end, 8);
    put_le(zip, 1, 4);
    put_le(zip, 0x06054b50, 4);
    for (int field : {2, 2}) put_le(zip, 0, field);
    for (int field : {2, 2}) put_le(zip, 0xFFFF, field);
    for (int field : {4, 4}) put_le(zip, 0xFFFFFFFF, field);
    put_le(zip, 0, 2);
    const auto entries = ebm::read_zip_directory(zip);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].name == "a/x");
    CHECK(entries[0].method == 8);
    CHECK(entries[0].uncompressed_size == 5000000000ULL);
    CHECK(entries[0].compressed_size == 7);
    // The locator pointing past the file is refused, not followed.
    std::string bad_locator = zip;
    bad_locator.replace(zip64_end + 56 + 8, 8, std::string("\xff\xff\xff\x7f\0\0\0\0", 8));
    CHECK_THROWS_WITH(ebm::read_zip_directory(bad_locator), doctest::Contains("zip64 locator points outside the file"));
  }

  // Regression (fuzz/checkpoint.cpp, CI): a record's 4-byte size in the zip directory mutated to
  // 0xFDFFFFF6 made LibTorch's reader allocate 4 GB for an 8 KB file. The checksum was recomputed.
  TEST_CASE("a record declaring more bytes than the archive holds is refused before LibTorch allocates it") {
    TempDir dir;
    // The uncompressed size of the first central directory entry.
    const std::string path = patched_tiny_checkpoint(dir, "PK\x01\x02", 24, 4, std::string("\xF6\xFF\xFF\xFD", 4));
    for (const std::string& message : load_and_list_errors(path))
      CHECK_MESSAGE(std::regex_search(message, std::regex("weights are unreadable: record \\S+ declares 4261412854 bytes \\(")),
                    message);
  }

  TEST_CASE("weights that are NaN or Inf are refused naming the parameter, and the module is untouched") {
    TempDir dir;
    const std::string message = refused_load(
        save_poisoned(dir, [](TinyNetImpl& n) { n.fc2->weight[0][1] = std::numeric_limits<float>::quiet_NaN(); }));
    CHECK_MESSAGE(has(message, "parameter 'fc2.weight' holds non-finite values (NaN or Inf)"), message);
  }

  TEST_CASE("loaders refuse weights that are all zero or implausibly large (the probe's silent acceptances)") {
    TempDir dir;
    const auto load_error_of = [&](const std::function<void(TinyNetImpl&)>& poison) {
      return refused_load(save_poisoned(dir, poison));
    };
    const std::string zero = load_error_of([](TinyNetImpl& n) {
      for (auto& p : n.parameters()) p.zero_();
    });
    CHECK_MESSAGE(has(zero, "every weight is zero: not a trained model"), zero);
    const std::string huge = load_error_of([](TinyNetImpl& n) { n.fc1->bias[2] = 1e30; });
    CHECK_MESSAGE(has(huge, "parameter 'fc1.bias' has |w| up to 1e+30 (> 1e4): not a model of this project"), huge);
    // One zero tensor among others is a model (an untrained bias), not a refusal.
    const std::string path = save_poisoned(dir, [](TinyNetImpl& n) { n.fc1->bias.zero_(); });
    TinyNetImpl target(4, 8, 3);
    CHECK_NOTHROW(ebm::load_checkpoint(path, target, {}));
  }

  TEST_CASE("weight_problems (ebm info): NaN, all-zero and implausibly large tensors are named; a trained-like net is sound") {
    TempDir dir;
    auto problems_of = [&](const std::function<void(TinyNetImpl&)>& poison) {
      return ebm::weight_problems(ebm::read_checkpoint_tensors(save_poisoned(dir, poison)));
    };
    CHECK(problems_of([](TinyNetImpl&) {}).empty());
    CHECK(problems_of([](TinyNetImpl& n) { n.fc2->weight[0][1] = std::numeric_limits<float>::infinity(); }) ==
          std::vector<std::string>{"tensor 'fc2.weight' holds NaN or Inf"});
    CHECK(problems_of([](TinyNetImpl& n) { n.fc1->weight.zero_(); }) ==
          std::vector<std::string>{"tensor 'fc1.weight' is all zero"});
    CHECK(problems_of([](TinyNetImpl& n) { n.fc1->bias[2] = 1e30f; }) ==
          std::vector<std::string>{"tensor 'fc1.bias' has |w| up to 1e+30 (> 1e4)"});
  }

  TEST_CASE("saving is atomic: no temporary files remain, a failed save leaves nothing") {
    TempDir dir;
    const std::string path = dir.file("net.ckpt");
    TinyNetImpl net(4, 8, 3);
    ebm::save_checkpoint(path, net, tiny_metadata(8));
    ebm::save_checkpoint(path, net, tiny_metadata(8));  // over an existing file
    CHECK(dir.entries() == std::vector<std::string>{"net.ckpt"});

    const std::string nowhere = dir.file("no_such_dir/net.ckpt");
    const std::string message = write_error_of([&] { ebm::save_checkpoint(nowhere, net, tiny_metadata(8)); });
    CHECK(has(message, "cannot write"));
    CHECK(has(message, "No such file or directory"));
    CHECK(has(message, nowhere));
    CHECK_FALSE(fs::exists(dir.path() / "no_such_dir"));

    // The rename fails (the target is a non-empty directory): the temporary must be gone.
    fs::create_directories(dir.path() / "occupied" / "child");
    CHECK(has(write_error_of([&] { ebm::save_checkpoint(dir.file("occupied"), net, tiny_metadata(8)); }),
              "cannot rename temporary file"));
    CHECK(dir.entries() == std::vector<std::string>{"net.ckpt", "occupied"});
  }

  TEST_CASE("AtomicFileWriter replaces the file only on commit") {
    TempDir dir;
    const std::string path = dir.file("data.txt");
    ebm::write_file_atomically(path, "old contents\n");
    {
      ebm::AtomicFileWriter out(path);
      out.write("half of the new");
      CHECK(fs::exists(out.temp_path()));
      CHECK(read_bytes(path) == "old contents\n");
      // destroyed without commit, as when an exception unwinds a save
    }
    CHECK(read_bytes(path) == "old contents\n");
    CHECK(dir.entries() == std::vector<std::string>{"data.txt"});

    {
      ebm::AtomicFileWriter out(path);
      out.write("new ");
      out.write("contents\n");
      out.commit();
      CHECK(out.committed());
      CHECK_THROWS_AS(out.write("more"), std::logic_error);
    }
    CHECK(read_bytes(path) == "new contents\n");
    CHECK(dir.entries() == std::vector<std::string>{"data.txt"});

    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    ebm::write_file_atomically(path, "again\n");
    CHECK(fs::status(path).permissions() == (fs::perms::owner_read | fs::perms::owner_write));

    try {
      ebm::write_file_atomically(dir.file("absent/x.txt"), "x");
      FAIL("no exception");
    } catch (const std::runtime_error& e) {
      const std::string message = e.what();
      CHECK(has(message, dir.file("absent/x.txt")));
      CHECK(has(message, "No such file or directory"));
    }
  }

  TEST_CASE("a weight record shorter or longer than its shape and dtype is refused before it is read") {
    TempDir dir;
    // fc2.weight [3, 8] float is the only 96-byte record of TinyNet(4, 8, 3).
    for (const std::size_t resized : {std::size_t{80}, std::size_t{4}, std::size_t{112}}) {
      CAPTURE(resized);
      const std::string path = crafted_checkpoint(dir, 96, resized);
      CHECK_NOTHROW(ebm::read_checkpoint_metadata(path));  // the container is intact
      const std::string message = refused_load(path, {"toy-net", nullptr});
      CHECK_MESSAGE(has(message, "corrupt weights: tensor 'fc2.weight' is stored in " + std::to_string(resized) +
                                     " bytes, its shape [3, 8] of Float needs 96"),
                    message);
      // `ebm info` reads the tensors without a model: refused there too, never read past the record.
      const std::string listed = checkpoint_error_of([&] { ebm::read_checkpoint_tensors(path); });
      CHECK_MESSAGE(has(listed, "tensor 'fc2.weight' is stored in " + std::to_string(resized) + " bytes"), listed);
    }
  }

  TEST_CASE("metadata sizes beyond the limits are refused before anything is built") {
    TempDir dir;
    const std::string path = dir.file("huge.ckpt");
    const auto problem_of = [&](const json& extra) {
      json meta = {{"format", "ebm-checkpoint"}, {"format_version", 1}, {"kind", "toy-net"}};
      meta.update(extra);
      write_bytes(path, assemble(1, meta.dump(), "", 0));
      return checkpoint_error_of([&] { ebm::read_checkpoint_metadata(path); });
    };
    CHECK(has(problem_of({{"architecture", {{"layers", 2147483648LL}, {"hidden", 64}}}}),
              "architecture field 'layers' is 2147483648, above the limit of 1048576 for any size"));
    CHECK(has(problem_of({{"architecture", {{"dims", {4, -5000000}}}}}), "field 'dims[1]' is -5000000"));
    CHECK(has(problem_of({{"architecture", {{"width", 1e300}}}}), "field 'width'"));
    CHECK(has(problem_of({{"architecture", {{"hidden", 64}}}, {"parameters", 5000000000LL}}),
              "metadata 'parameters' is 5000000000, above the limit of 1000000000"));
    write_bytes(path, assemble(1, json({{"format", "ebm-checkpoint"}, {"format_version", 1}, {"architecture", {{"hidden", 1048576}}}}).dump(), "", 0));
    CHECK_NOTHROW(ebm::read_checkpoint_metadata(path));  // at the limit: accepted

    // An architecture within the integer limits that still claims more parameters than the file stores.
    TinyNetImpl net(4, 8, 3);
    ebm::save_checkpoint(path, net, tiny_metadata(8));
    CHECK_NOTHROW(ebm::require_weights_fit(path, 4 * 8 + 8 + 8 * 3 + 3 + 8));
    CHECK(has(checkpoint_error_of([&] { ebm::require_weights_fit(path, 2e6); }),
              "the architecture needs 2000000 parameters (8000000 bytes as float32), the file holds"));
    CHECK(has(checkpoint_error_of([&] { ebm::require_weights_fit(path, 3e12); }), "above the limit of 1000000000"));
  }

  TEST_CASE("a file of another kind is refused saying what it looks like") {
    TempDir dir;
    const std::string path = dir.file("other.ckpt");
    const auto problem_of = [&](const std::string& bytes) {
      write_bytes(path, bytes);
      return checkpoint_error_of([&] { ebm::read_checkpoint_metadata(path); });
    };
    CHECK(has(problem_of(""), "inside the header (0 of 20 bytes): the file is empty"));
    std::string zip;
    {
      torch::serialize::OutputArchive archive;
      archive.write("w", torch::ones({2}));
      archive.save_to([&zip](const void* data, std::size_t size) {
        zip.append(static_cast<const char*>(data), size);
        return size;
      });
    }
    CHECK(has(problem_of(zip), "it is a zip archive, e.g. a PyTorch torch.save or TorchScript file"));
    CHECK(has(problem_of(std::string("\x80\x04\x95\x10\x00", 5)), "it is a Python pickle"));
    CHECK(has(problem_of("step,loss\n1,0.5\n"), "(bad magic): it is text"));
    CHECK(has(problem_of("  {\"kind\": \"sudoku-energy\"}\n"), "it is JSON text"));
    CHECK(problem_of(std::string("\x01\x02\x03\x00\xff", 5)) ==
          "checkpoint '" + path + "': not an ebm checkpoint (bad magic)");
    // A checkpoint is bad input, not a runtime failure: the CLI maps it to exit status 2.
    CHECK_THROWS_AS(ebm::read_checkpoint_metadata(path), std::invalid_argument);
  }

  TEST_CASE("a checkpoint of another kind or architecture is refused, naming both") {
    TempDir dir;
    const std::string path = dir.file("ar.ckpt");
    TinyNetImpl net(4, 8, 3);
    json meta = tiny_metadata(8);
    meta["kind"] = "sudoku-ar";
    ebm::save_checkpoint(path, net, meta);
    const json read = ebm::read_checkpoint_metadata(path);
    CHECK_NOTHROW(ebm::require_checkpoint_kind(path, read, "sudoku-ar"));
    CHECK(checkpoint_error_of([&] { ebm::require_checkpoint_kind(path, read, "sudoku-energy"); }) ==
          "checkpoint '" + path + "': kind mismatch: file holds 'sudoku-ar', expected 'sudoku-energy'");
    TinyNetImpl target(4, 8, 3);
    CHECK(has(checkpoint_error_of([&] { ebm::load_checkpoint(path, target, {"sat-energy", nullptr}); }),
              "kind mismatch: file holds 'sudoku-ar', expected 'sat-energy'"));
    CHECK(has(checkpoint_error_of([&] { ebm::load_checkpoint(path, target, {"sudoku-ar", tiny_architecture(16)}); }),
              "architecture mismatch: field 'hidden' is 8 in the file, 16 expected"));
    // Metadata that describes another shape than the weights hold: the module built from the
    // metadata does not fit, and the message names the parameter and both shapes.
    TinyNetImpl wide(4, 16, 3);
    ebm::save_checkpoint(path, wide, meta);  // metadata says hidden 8, weights are hidden 16
    TinyNetImpl built_from_metadata(4, 8, 3);
    CHECK(has(checkpoint_error_of([&] { ebm::load_checkpoint(path, built_from_metadata, {"sudoku-ar", tiny_architecture(8)}); }),
              "parameter 'fc1.weight' has shape [16, 4] in the file, [8, 4] in the model"));
  }

  TEST_CASE("the training state is stored in the same file (format 2) and checked with it") {
    TempDir dir;
    const std::string path = dir.file("train.ckpt");
    TinyNetImpl net(4, 8, 3);
    ebm::save_checkpoint(path, net, tiny_metadata(8), "unknown", std::string("optimizer\0state", 15));
    CHECK(ebm::read_checkpoint_metadata(path)["format_version"] == 2);
    CHECK(ebm::read_checkpoint_training_state(path) == std::string("optimizer\0state", 15));
    TinyNetImpl back(4, 8, 3);
    ebm::load_checkpoint(path, back, {"toy-net", tiny_architecture(8)});
    CHECK(torch::equal(back.fc1->weight, net.fc1->weight));
    // Weights and state are one checksummed unit: a byte of the state changed is caught.
    std::string bytes = read_bytes(path);
    bytes[bytes.size() - 16 - 3] ^= 0x20;
    write_bytes(path, bytes);
    CHECK(has(checkpoint_error_of([&] { ebm::read_checkpoint_training_state(path); }), "checksum mismatch"));
    // Cut inside the state: truncated.
    ebm::save_checkpoint(path, net, tiny_metadata(8), "unknown", std::string(1000, 's'));
    bytes = read_bytes(path);
    write_bytes(path, bytes.substr(0, bytes.size() - 500));
    CHECK(has(checkpoint_error_of([&] { ebm::read_checkpoint_metadata(path); }),
              "truncated: expected 1000 bytes of training state"));
    // Without a state the file stays format 1 and holds none.
    ebm::save_checkpoint(path, net, tiny_metadata(8));
    CHECK(ebm::read_checkpoint_metadata(path)["format_version"] == 1);
    CHECK(ebm::read_checkpoint_training_state(path).empty());
  }

  TEST_CASE("a writer's stale temporaries (its process gone) are removed by the next write of that path") {
    TempDir dir;
    const std::string path = dir.file("net.ckpt");
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    REQUIRE(child > 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);  // `child` is now a pid with no process
    const std::string dead = "net.ckpt.tmp-" + std::to_string(child) + "-3";
    const std::string mine = "net.ckpt.tmp-" + std::to_string(::getpid()) + "-999";
    const std::string other_target = "other.ckpt.tmp-" + std::to_string(child) + "-0";
    const std::string not_ours = "net.ckpt.tmp-notes";
    for (const auto& name : {dead, mine, other_target, not_ours}) write_bytes(dir.file(name), "half a file");
    CHECK(ebm::remove_stale_temporaries(dir.file("absent-dir/x")) == 0);
    ebm::write_file_atomically(path, "complete\n");
    std::vector<std::string> expected = {"net.ckpt", mine, not_ours, other_target};
    std::sort(expected.begin(), expected.end());
    CHECK(dir.entries() == expected);
    CHECK(read_bytes(path) == "complete\n");
  }

  TEST_CASE("a module on CUDA is saved from CPU copies and loads onto CPU") {
    if (!torch::cuda::is_available()) {
      MESSAGE("CUDA not available: skipped");
      return;
    }
    TempDir dir;
    const std::string path = dir.file("gpu.ckpt");
    TinyNetImpl on_gpu(4, 8, 3);
    on_gpu.to(torch::Device(torch::kCUDA));
    ebm::save_checkpoint(path, on_gpu, tiny_metadata(8));
    CHECK(on_gpu.fc1->weight.is_cuda());  // saving does not move the module
    TinyNetImpl on_cpu(4, 8, 3);
    ebm::load_checkpoint(path, on_cpu, {"toy-net", tiny_architecture(8)});
    CHECK(on_cpu.fc1->weight.device().is_cpu());
    CHECK(torch::equal(on_cpu.fc1->weight, on_gpu.fc1->weight.cpu()));
    TinyNetImpl back(4, 8, 3);
    ebm::load_checkpoint(path, back, {}, torch::Device(torch::kCUDA));
    CHECK(back.fc1->weight.is_cuda());
    CHECK(torch::equal(back.scale.cpu(), on_gpu.scale.cpu()));
  }
}
