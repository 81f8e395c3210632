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
//
// Errors: every failure throws CheckpointError, whose what() is "checkpoint '<path>': <problem>" and
// whose problem() is one of (the numbers are examples)
//   "cannot open: No such file or directory" / "is a directory, not a checkpoint file"
//   "not an ebm checkpoint (bad magic)"
//   "truncated: expected 5120 bytes of weights, file ends after 1000 of them"
//   "truncated: file ends inside the header (19 of 20 bytes)" / "... inside the trailer ..."
//   "corrupt: checksum mismatch (file says 0x..., contents hash to 0x...)"
//   "corrupt: ..." (bad closing magic, trailing bytes, a damaged length field)
//   "unsupported format version 7 (this build reads up to 1)"
//   "metadata is not valid JSON: <parser message>" / "metadata is not a JSON object"
//   "kind mismatch: file holds 'X', expected 'Y'"
//   "architecture mismatch: field 'hidden' is 64 in the file, 128 expected"
//   "weights do not fit the model: parameter 'fc1.weight' has shape [8, 4] in the file, [16, 4] in
//    the model (and 3 more problems)" (also: a parameter or buffer missing from the file, an entry
//    the model lacks, a dtype mismatch); "cannot use device cuda: <torch reason>"
//   "cannot write: <atomic write error>" (save only)
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
inline constexpr std::uint32_t kCheckpointFormatVersion = 1;

class CheckpointError : public std::runtime_error {
 public:
  CheckpointError(const std::string& path, const std::string& problem)
      : std::runtime_error("checkpoint '" + path + "': " + problem), path_(path), problem_(problem) {}
  const std::string& path() const { return path_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string path_;
  std::string problem_;
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
// object, lacks a string "kind" or an object "architecture", or the write fails.
void save_checkpoint(const std::string& path, torch::nn::Module& module, const nlohmann::json& metadata,
                     const std::string& library_version = "unknown");

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

// For loaders that build the module a file's metadata describes: throws CheckpointError
// ("architecture declares 3.2e+10 parameters, more than the file's 17419 bytes can hold") when that many
// float32 parameters cannot be in the file, before the module is built. Stops a doctored architecture
// ("layers": 2147483648) from making the loader allocate without bound or build for hours.
void check_parameters_fit(const std::string& path, double parameters);

// FNV-1a 64-bit hash, continuing from `state` (start with the default offset basis). This is the
// checksum of the file format: fnv1a64("", 0) == 0xcbf29ce484222325, fnv1a64("a", 1) ==
// 0xaf63dc4c8601ec8c.
std::uint64_t fnv1a64(const void* data, std::size_t size, std::uint64_t state = 0xcbf29ce484222325ULL);

}  // namespace ebm
