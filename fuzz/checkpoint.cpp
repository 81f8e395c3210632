// Checkpoint files: the bytes as a file, read as `ebm info FILE` reads it (every tensor, then the
// soundness checks) and loaded as the model its metadata "kind" names would be (the learned Sudoku
// energy, the Sudoku AR transformer: architecture from the metadata, then the weights). Covers the
// header, the lengths, the checksum, the metadata JSON, the zip archive of weights and the
// architecture fields. Refusals are CheckpointError / std::invalid_argument.
// A mutation almost never keeps the FNV-1a checksum right, which would stop every input at the
// checksum check: the harness recomputes the checksum field (the 8 bytes before the closing magic)
// before writing the file. The checksum check itself is tested in tests/test_checkpoint.cpp.
#include "fuzz/fuzz_support.h"

#include "ebm/checkpoint.h"
#include "ebm/checkpoint_soundness.h"
#include "ebm/learning/ar_baseline.h"
#include "ebm/tasks/registry.h"
#include "tasks/sudoku/learned_energy.h"

#include <torch/utils.h>

#include <vector>

namespace {

std::vector<uint8_t> with_checksum_recomputed(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  constexpr size_t kTrailer = 16;  // checksum, closing magic
  if (size < kTrailer) return bytes;
  const uint64_t checksum = ebm::fnv1a64(bytes.data(), size - kTrailer);
  for (int i = 0; i < 8; ++i) bytes[size - kTrailer + i] = static_cast<uint8_t>(checksum >> (8 * i));
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  torch::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes = with_checksum_recomputed(data, size);
  const ebm::fuzz::ScratchFile file(bytes.data(), bytes.size(), ".ckpt");
  ebm::fuzz::accepts([&] { ebm::weight_problems(ebm::read_checkpoint_tensors(file.path())); });
  nlohmann::json metadata;
  if (!ebm::fuzz::accepts([&] { metadata = ebm::read_checkpoint_metadata(file.path()); })) return 0;
  const std::string kind = metadata.value("kind", std::string());
  static const ebm::TaskPtr sudoku = ebm::find_task("sudoku");
  if (kind == ebm::ar_checkpoint_kind(*sudoku))
    ebm::fuzz::accepts([&] { ebm::load_ar_model(*sudoku, file.path(), torch::kCPU); });
  else
    ebm::fuzz::accepts([&] { ebm::sudoku::load_learned_energy(file.path(), torch::kCPU); });
  return 0;
}
