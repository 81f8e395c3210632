#pragma once
// The central directory of a zip archive, read from the bytes alone: what each entry declares about
// itself, before any reader trusts it. LibTorch's archive reader (miniz) allocates a record's
// declared uncompressed size before reading it, so a 4-byte size field mutated to 0xFDFFFFF6 in an
// 8 KB checkpoint asked for 4 GB (found by fuzz/checkpoint.cpp); check_weights_archive() compares
// every declaration with the blob first.

#include <cstdint>
#include <string>
#include <vector>

namespace ebm {

struct ZipEntry {
  std::string name;            // as stored, e.g. "archive/data.pkl"
  uint16_t method = 0;         // 0 = stored (what LibTorch writes), 8 = deflate, ...
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
};

// Every entry of the archive's central directory, zip64 sizes included. Throws std::runtime_error
// naming what is missing or out of bounds ("no end-of-central-directory record", "central directory
// entry 3 runs past the end of the file") when the directory cannot be read within `blob`.
std::vector<ZipEntry> read_zip_directory(const std::string& blob);

}  // namespace ebm
