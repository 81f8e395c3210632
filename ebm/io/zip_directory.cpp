#include "ebm/io/zip_directory.h"

#include <stdexcept>

namespace ebm {

namespace {

constexpr uint32_t kEndSignature = 0x06054b50;        // end of central directory
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kEntrySignature = 0x02014b50;      // central directory file header
constexpr size_t kEndSize = 22, kZip64LocatorSize = 20, kZip64EndSize = 56, kEntrySize = 46;
constexpr uint16_t kZip64ExtraId = 0x0001;

// Bounds-checked little-endian reads of the blob.
class Bytes {
 public:
  explicit Bytes(const std::string& blob) : blob_(blob) {}
  size_t size() const { return blob_.size(); }
  bool holds(uint64_t at, uint64_t count) const { return at <= blob_.size() && count <= blob_.size() - at; }
  uint64_t uint(uint64_t at, int bytes, const char* what) const {
    if (!holds(at, bytes)) throw std::runtime_error(std::string("zip archive: ") + what + " runs past the end of the file");
    uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) value |= uint64_t(static_cast<unsigned char>(blob_[at + i])) << (8 * i);
    return value;
  }
  std::string text(uint64_t at, uint64_t count) const { return blob_.substr(at, count); }

 private:
  const std::string& blob_;
};

struct Directory {
  uint64_t entries = 0, offset = 0, size = 0;
};

// The end-of-central-directory record: the last signature within the final 22 + 65535 bytes.
uint64_t find_end_record(const Bytes& bytes) {
  if (bytes.size() < kEndSize) throw std::runtime_error("zip archive: shorter than an end-of-central-directory record");
  const uint64_t lowest = bytes.size() > kEndSize + 0xFFFF ? bytes.size() - kEndSize - 0xFFFF : 0;
  for (uint64_t at = bytes.size() - kEndSize + 1; at-- > lowest;)
    if (bytes.uint(at, 4, "end record") == kEndSignature) return at;
  throw std::runtime_error("zip archive: no end-of-central-directory record");
}

Directory read_directory_location(const Bytes& bytes) {
  const uint64_t end = find_end_record(bytes);
  Directory d{bytes.uint(end + 10, 2, "end record"), bytes.uint(end + 16, 4, "end record"),
              bytes.uint(end + 12, 4, "end record")};
  const bool zip64 = d.entries == 0xFFFF || d.offset == 0xFFFFFFFF || d.size == 0xFFFFFFFF;
  if (!zip64) return d;
  if (end < kZip64LocatorSize || bytes.uint(end - kZip64LocatorSize, 4, "zip64 locator") != kZip64LocatorSignature)
    throw std::runtime_error("zip archive: the end record asks for zip64 but no zip64 locator precedes it");
  const uint64_t record = bytes.uint(end - kZip64LocatorSize + 8, 8, "zip64 locator");
  if (!bytes.holds(record, kZip64EndSize) || bytes.uint(record, 4, "zip64 end record") != kZip64EndSignature)
    throw std::runtime_error("zip archive: the zip64 locator points outside the file or at no zip64 end record");
  return {bytes.uint(record + 32, 8, "zip64 end record"), bytes.uint(record + 48, 8, "zip64 end record"),
          bytes.uint(record + 40, 8, "zip64 end record")};
}

// Sizes stored as 0xFFFFFFFF are in the entry's zip64 extra field, in this order.
void read_zip64_sizes(const Bytes& bytes, uint64_t extra, uint64_t extra_end, ZipEntry& entry) {
  while (extra + 4 <= extra_end) {
    const uint64_t id = bytes.uint(extra, 2, "extra field"), length = bytes.uint(extra + 2, 2, "extra field");
    extra += 4;
    if (id == kZip64ExtraId) {
      uint64_t at = extra;
      for (uint64_t* size : {&entry.uncompressed_size, &entry.compressed_size}) {
        if (*size != 0xFFFFFFFF) continue;
        if (at + 8 > extra + length) break;
        *size = bytes.uint(at, 8, "zip64 extra field");
        at += 8;
      }
      return;
    }
    extra += length;
  }
}

}  // namespace

std::vector<ZipEntry> read_zip_directory(const std::string& blob) {
  const Bytes bytes(blob);
  const Directory directory = read_directory_location(bytes);
  if (!bytes.holds(directory.offset, directory.size))
    throw std::runtime_error("zip archive: the central directory (" + std::to_string(directory.size) + " bytes at " +
                             std::to_string(directory.offset) + ") lies outside the file (" +
                             std::to_string(blob.size()) + " bytes)");
  if (directory.entries > directory.size / kEntrySize)
    throw std::runtime_error("zip archive: " + std::to_string(directory.entries) + " entries cannot fit in a " +
                             std::to_string(directory.size) + "-byte central directory");
  std::vector<ZipEntry> entries;
  uint64_t at = directory.offset;
  const uint64_t directory_end = directory.offset + directory.size;
  for (uint64_t i = 0; i < directory.entries; ++i) {
    const std::string which = "central directory entry " + std::to_string(i);
    if (at + kEntrySize > directory_end || bytes.uint(at, 4, "central directory") != kEntrySignature)
      throw std::runtime_error("zip archive: " + which + " is missing or runs past the directory");
    ZipEntry entry;
    entry.method = static_cast<uint16_t>(bytes.uint(at + 10, 2, "central directory"));
    entry.compressed_size = bytes.uint(at + 20, 4, "central directory");
    entry.uncompressed_size = bytes.uint(at + 24, 4, "central directory");
    const uint64_t name_length = bytes.uint(at + 28, 2, "central directory");
    const uint64_t extra_length = bytes.uint(at + 30, 2, "central directory");
    const uint64_t comment_length = bytes.uint(at + 32, 2, "central directory");
    const uint64_t next = at + kEntrySize + name_length + extra_length + comment_length;
    if (next > directory_end) throw std::runtime_error("zip archive: " + which + " runs past the directory");
    entry.name = bytes.text(at + kEntrySize, name_length);
    const uint64_t extra = at + kEntrySize + name_length;
    read_zip64_sizes(bytes, extra, extra + extra_length, entry);
    entries.push_back(std::move(entry));
    at = next;
  }
  return entries;
}

}  // namespace ebm
