// Checkpoint: the weights of a torch::nn::Module plus JSON metadata, in one file, written atomically.
//
// Metadata (a JSON object). The caller supplies
//   "kind"          string, required: what the weights are ("sudoku-energy", "ar-transformer"); checked
//                   on load.
//   "architecture"  object, required: the config needed to rebuild the module before loading.
//   "task", "training" (command line, data recipe, seed), "metrics": free-form; set to null when the
//                   caller leaves them out, so every checkpoint has the keys.
//   anything else the caller wants to keep.
// save_checkpoint() fills in
//   "format" = "ebm-checkpoint", "format_version" = kCheckpointFormatVersion,
//   "created" = UTC time of the save, ISO 8601 ("2024-05-01T12:34:56Z"),
//   "library_version" = the library_version argument (a caller's own "library_version" is kept
//                   when the argument is left at "unknown").
//
// File layout (format version 1; integers are unsigned little-endian):
//   offset 0   8 bytes   magic "EBMCKPT\n"
//          8   4 bytes   format version
//         12   8 bytes   metadata length M
//         20   M bytes   metadata, UTF-8 JSON text
//       20+M   8 bytes   weights length W
//       28+M   W bytes   weights: a torch::serialize::OutputArchive (zip) laid out as Module::save
//                        lays it out (parameters, buffers, then one nested archive per child), all
//                        tensors on CPU; torch::load(module, stream) can read the blob on its own.
//     28+M+W   8 bytes   FNV-1a 64 of every byte before this field
//     36+M+W   8 bytes   closing magic "\nEBMEND\n"
//   The file is exactly 44+M+W bytes long.
// Format version 2 (written only when a training state is saved with the weights) adds, between
// the weights and the checksum,
//     28+M+W   8 bytes   training state length S
//     36+M+W   S bytes   training state: opaque bytes (the trainer's optimizer state, torch::save)
//   and the file is exactly 52+M+W+S bytes long. Weights and training state thus live in one file,
//   replaced by one rename: a reader never sees the weights of one step with the optimizer of another.
//
// Errors: every failure throws CheckpointError, whose what() is "checkpoint '<path>': <problem>" and
// whose problem() is one of (the numbers are examples)
//   "cannot open: No such file or directory" / "is a directory, not a checkpoint file"
//   "not an ebm checkpoint (bad magic): it is a zip archive, e.g. a PyTorch torch.save or TorchScript
//    file" (also "a Python pickle", "text", "JSON text", "an HDF5 file", "a gzip stream", "a NumPy
//    .npy file"; nothing added when the bytes say nothing obvious)
//   "truncated: file ends inside the header (0 of 20 bytes): the file is empty"
//   "truncated: expected 5120 bytes of weights, file ends after 1000 of them"
//   "truncated: file ends inside the header (19 of 20 bytes)" / "... inside the trailer ..."
//   "corrupt: checksum mismatch (file says 0x..., contents hash to 0x...)"
//   "corrupt: ..." (bad closing magic, trailing bytes, a damaged length field)
//   "unsupported format version 7 (this build reads up to 1)"
//   "metadata is not valid JSON: <parser message>" / "metadata is not a JSON object"
//   "architecture field 'layers' is 2147483648, above the limit of 1048576 for any size" (every
//    integer of "architecture" lies in [-kMaxArchitectureInteger, kMaxArchitectureInteger])
//   "metadata 'parameters' is 5000000000, above the limit of 1000000000"
//   "the architecture needs 2000000 parameters (8000000 bytes as float32), the file holds 4000
//    bytes of weights" (require_weights_fit)
//   "kind mismatch: file holds 'X', expected 'Y'"
//   "architecture mismatch: field 'hidden' is 64 in the file, 128 expected"
//   "weights do not fit the model: parameter 'fc1.weight' has shape [8, 4] in the file, [16, 4] in
//    the model (and 3 more problems)" (also: a parameter or buffer missing from the file, an entry
//    the model lacks, a dtype mismatch, "holds non-finite values (NaN or Inf)");
//   "corrupt weights: tensor 'fc2.weight' is stored in 80 bytes, its shape [3, 8] of Float needs 96"
//    (a record whose length differs from what its tensor declares, refused before any value is read;
//    also by read_checkpoint_tensors); "cannot use device cuda: <torch reason>"
// CheckpointError is a std::invalid_argument: the file is bad input (the CLI exits 2). Saving fails
// with CheckpointWriteError instead ("cannot write: <atomic write error>"), a std::runtime_error: the
// disk, not the input, is at fault (exit 1).
#pragma once

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ebm {

inline constexpr const char* kCheckpointFormat = "ebm-checkpoint";
inline constexpr std::uint32_t kCheckpointFormatVersion = 2;  // the newest this build reads and writes

// Sizes beyond these are refused before anything is allocated for them.
inline constexpr std::int64_t kMaxArchitectureInteger = std::int64_t(1) << 20;  // any width, depth, length
inline constexpr std::int64_t kMaxModelParameters = 1000000000;                 // 4 GB of float32

class CheckpointError : public std::invalid_argument {
 public:
  CheckpointError(const std::string& path, const std::string& problem)
      : std::invalid_argument("checkpoint '" + path + "': " + problem), path_(path), problem_(problem) {}
  const std::string& path() const { return path_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string path_;
  std::string problem_;
};

// A save that could not be written (disk full, no such directory): what() is
// "checkpoint '<path>': cannot write: <atomic write error>".
class CheckpointWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What load_checkpoint() insists on before it touches the module.
struct CheckpointExpectation {
  std::string kind;             // must equal metadata "kind"; "" = don't check
  nlohmann::json architecture;  // must equal metadata "architecture" field by field (numbers compare
                                // by value, 64 == 64.0; a field on one side only is a mismatch);
                                // null = don't check
};

// Writes module's parameters and buffers (copied to CPU; the module is not moved) and the metadata
// described above to `path`, atomically (temp file + fsync + rename: a failure leaves any previous
// file at `path` intact and no temporary behind). Throws CheckpointError when metadata is not an
// object, lacks a string "kind" or an object "architecture"; CheckpointWriteError when the write fails.
// A non-empty `training_state` is stored in the same file (format version 2, see above); without
// one the file is format version 1.
void save_checkpoint(const std::string& path, torch::nn::Module& module, const nlohmann::json& metadata,
                     const std::string& library_version = "unknown", const std::string& training_state = "");

// The training state saved with the weights ("" for a file that holds none), after validating the
// file as read_checkpoint_metadata() does.
std::string read_checkpoint_training_state(const std::string& path);

// Throws CheckpointError unless the file's metadata "kind" is `kind`: "kind mismatch: file holds
// 'sudoku-ar', expected 'sudoku-energy'". For loaders, before they build a module from the architecture.
void require_checkpoint_kind(const std::string& path, const nlohmann::json& metadata, const std::string& kind);

// Throws CheckpointError when an architecture of `parameters` parameters is beyond
// kMaxModelParameters, or could not be stored in the file's weights (fewer than 2 bytes per
// parameter: the file's architecture lies about its size). For loaders, before they build the module.
void require_weights_fit(const std::string& path, double parameters);

// Validates the whole file (magic, version, lengths, checksum, metadata format fields) and returns
// its metadata without deserialising the weights: for rebuilding the architecture before loading.
nlohmann::json read_checkpoint_metadata(const std::string& path);

// Validates the file, checks expect.kind and expect.architecture, checks that the stored tensors
// match the module's parameters and buffers one for one (same names, shapes and dtypes; nothing
// missing, nothing extra), then copies them into the module in place (existing parameter tensors
// keep their identity, so optimizers holding them stay valid) and moves the module to `device`.
// On any error the module is left exactly as it was. Returns the metadata.
nlohmann::json load_checkpoint(const std::string& path, torch::nn::Module& module,
                               const CheckpointExpectation& expect, torch::Device device = torch::kCPU);

// Every tensor of the file's weights, named as named_parameters() / named_buffers() name them
// ("layers.0.weight"), in file order, on CPU, after validating the file as read_checkpoint_metadata()
// does: for tools that compare or inspect weights without building the module. Throws CheckpointError
// ("weights are unreadable: ...").
std::vector<std::pair<std::string, torch::Tensor>> read_checkpoint_tensors(const std::string& path);

// First difference between two architecture configs, as "field 'a.b' is X in the file, Y expected"
// (or "... is missing in the file ..." / "... is not expected"); "" when equal. Exposed for tools
// that want to report differences without loading.
std::string architecture_difference(const nlohmann::json& in_file, const nlohmann::json& expected);

// FNV-1a 64-bit hash, continuing from `state` (start with the default offset basis). This is the
// checksum of the file format: fnv1a64("", 0) == 0xcbf29ce484222325, fnv1a64("a", 1) ==
// 0xaf63dc4c8601ec8c.
std::uint64_t fnv1a64(const void* data, std::size_t size, std::uint64_t state = 0xcbf29ce484222325ULL);

}  // namespace ebm
