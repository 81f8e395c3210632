// What every harness in fuzz/ shares: the contract of a clean refusal, and bytes as a file.
//
// A harness feeds its bytes to one of the project's real parsers or loaders. The parser may refuse
// the input by throwing a std::exception (its documented errors: TaskInputError, CheckpointError,
// std::invalid_argument, ...): that is the expected outcome for malformed input. Everything else is a
// bug that libFuzzer reports and keeps as a crash file: a signal, a sanitizer report, a hang (-timeout),
// an exception that is not a std::exception (std::terminate), std::bad_alloc (an input that makes the
// program ask for absurd memory should be refused before the allocation), or a broken property that
// a harness checks itself (fuzz_property_failed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>

namespace ebm::fuzz {

inline std::string bytes_text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs `parse`; a std::exception (other than bad_alloc) is a clean refusal and returns false.
template <class F>
bool accepts(F&& parse) {
  try {
    parse();
    return true;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "fuzz: std::bad_alloc: the input was not refused before an absurd allocation\n");
    std::abort();
  } catch (const std::exception&) {
    return false;
  }
}

// A property the harness checks on accepted input does not hold: report and stop (libFuzzer saves it).
[[noreturn]] inline void property_failed(const std::string& what) {
  std::fprintf(stderr, "fuzz: property failed: %s\n", what.c_str());
  std::abort();
}

// The bytes as a file, for loaders that take a path: /dev/shm (memory) when it exists, else $TMPDIR
// or /tmp; one name per process, overwritten by each input, removed at destruction.
class ScratchFile {
 public:
  ScratchFile(const uint8_t* data, size_t size, const char* suffix);
  ~ScratchFile() { std::remove(path_.c_str()); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ebm::fuzz
