#include "ebm/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
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

std::string base_name_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The writer's pid when `name` is "<base>.tmp-<pid>-<n>", else 0.
long temp_owner(const std::string& name, const std::string& base) {
  const std::string prefix = base + ".tmp-";
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return 0;
  const std::string rest = name.substr(prefix.size());
  const auto dash = rest.find('-');
  if (dash == 0 || dash == std::string::npos || dash + 1 == rest.size() || dash > 9) return 0;
  for (std::size_t i = 0; i < rest.size(); ++i)
    if (i != dash && (rest[i] < '0' || rest[i] > '9')) return 0;
  return std::stol(rest.substr(0, dash));
}

}  // namespace

int remove_stale_temporaries(const std::string& path) {
  const std::string base = base_name_of(path);
  const std::string dir = directory_of(path);
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) return 0;
  int removed = 0;
  while (const dirent* entry = ::readdir(listing)) {
    const long pid = temp_owner(entry->d_name, base);
    if (pid <= 0 || pid == static_cast<long>(::getpid())) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // its writer may still run
    if (::unlink((dir + "/" + entry->d_name).c_str()) == 0) ++removed;
  }
  ::closedir(listing);
  return removed;
}

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  if (path_.empty() || path_.back() == '/') {
    throw std::runtime_error("atomic write of '" + path_ + "': not a file path");
  }
  remove_stale_temporaries(path_);
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
