#include "fuzz/fuzz_support.h"

#include <sys/stat.h>
#include <unistd.h>

namespace ebm::fuzz {

namespace {
std::string scratch_folder() {
  struct stat info {};
  if (::stat("/dev/shm", &info) == 0 && S_ISDIR(info.st_mode)) return "/dev/shm";
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}
}  // namespace

ScratchFile::ScratchFile(const uint8_t* data, size_t size, const char* suffix)
    : path_(scratch_folder() + "/ebm-fuzz-" + std::to_string(::getpid()) + suffix) {
  std::FILE* file = std::fopen(path_.c_str(), "wb");
  if (!file) property_failed("cannot create scratch file " + path_);
  const bool written = size == 0 || std::fwrite(data, 1, size, file) == size;
  if (std::fclose(file) != 0 || !written) property_failed("cannot write scratch file " + path_);
}

}  // namespace ebm::fuzz
