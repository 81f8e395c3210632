// Refusing work that cannot fit: a run whose tensors would need more than this machine's physical
// memory is refused before anything is allocated, with the size it would need, instead of dying in
// an allocator deep inside LibTorch.
#pragma once

#include <cstdint>
#include <string>

namespace ebm {

// Physical memory of this machine in bytes (sysconf); 0 when it cannot be read.
uint64_t physical_memory_bytes();

// "3.2 TB", "23.0 GiB", "512 bytes": binary units, one decimal.
std::string byte_text(double bytes);

// Throws std::invalid_argument "WHAT needs about X; this machine has Y of memory" when `bytes`
// exceed physical memory (nothing is checked when it is unknown).
void require_memory(double bytes, const std::string& what);

}  // namespace ebm
