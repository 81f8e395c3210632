#include "ebm/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace ebm {
namespace {

std::atomic<unsigned long> g_temp_counter{0};

std::string errno_text(int err) { return std::strerror(err); }

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  if (path_.empty() || path_.back() == '/') {
    throw std::runtime_error("atomic write of '" + path_ + "': not a file path");
  }
  // Keep the permissions of a file being replaced; otherwise 0666 & ~umask like a plain create.
  mode_t mode = 0666;
  bool keep_mode = false;
  struct stat existing {};
  if (::stat(path_.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) {
    mode = existing.st_mode & 07777;
    keep_mode = true;
  }
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp_path_ = path_ + ".tmp-" + std::to_string(static_cast<long>(::getpid())) + "-" +
                 std::to_string(g_temp_counter.fetch_add(1));
    fd = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    const int err = errno;
    const std::string temp = temp_path_;
    temp_path_.clear();  // nothing of ours to remove
    throw std::runtime_error("atomic write of '" + path_ + "': cannot create temporary file '" + temp +
                             "': " + errno_text(err));
  }
  if (keep_mode) (void)::fchmod(fd, mode);  // umask may have narrowed it; best effort
  file_ = ::fdopen(fd, "wb");
  if (file_ == nullptr) {
    const int err = errno;
    ::close(fd);
    fail("cannot open stream on temporary file", err);
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (!committed_) discard();
}

void AtomicFileWriter::discard() noexcept {
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
}

void AtomicFileWriter::fail(const std::string& step, int err) {
  const std::string temp = temp_path_;
  discard();
  throw std::runtime_error("atomic write of '" + path_ + "': " + step + " '" + temp + "': " + errno_text(err));
}

void AtomicFileWriter::write(const void* data, std::size_t size) {
  if (committed_ || file_ == nullptr) {
    throw std::logic_error("atomic write of '" + path_ + "': write after commit or failure");
  }
  if (size == 0) return;
  errno = 0;
  if (std::fwrite(data, 1, size, file_) != size) fail("cannot write temporary file", errno ? errno : EIO);
}

void AtomicFileWriter::commit() {
  if (committed_ || file_ == nullptr) {
    throw std::logic_error("atomic write of '" + path_ + "': commit after commit or failure");
  }
  if (std::fflush(file_) != 0) fail("cannot flush temporary file", errno);
  if (::fsync(::fileno(file_)) != 0) fail("cannot fsync temporary file", errno);
  std::FILE* f = file_;
  file_ = nullptr;
  if (std::fclose(f) != 0) fail("cannot close temporary file", errno);
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("cannot rename temporary file", errno);
  temp_path_.clear();
  committed_ = true;
  // Make the rename itself durable. Best effort: not every file system lets a directory be fsynced.
  const int dir = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomically(const std::string& path, std::string_view contents) {
  AtomicFileWriter out(path);
  out.write(contents);
  out.commit();
}

}  // namespace ebm
