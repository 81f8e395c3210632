// Atomic file replacement: a reader of `path` sees either the old file or the complete new one,
// never a partial write, and a failed write leaves no temporary file behind.
//
// Contract
//   The bytes go to a temporary file in the same directory as `path` (named
//   "<path>.tmp-<pid>-<n>", created exclusively with mode 0666 & ~umask, or with the mode of the
//   file being replaced), are flushed with fflush + fsync, and the temporary is renamed over
//   `path`. After the rename the directory is fsynced too (best effort: some file systems refuse).
//   Any failure before the rename removes the temporary and throws std::runtime_error whose message
//   names the path, the step that failed and strerror(errno); `path` is then untouched.
//   Not for paths whose directory part does not exist (that is an error, not created for you).
//   A writer killed before its rename (SIGKILL, power loss) leaves its temporary behind; the next
//   writer of the same path removes every such "<path>.tmp-<pid>-<n>" whose process no longer
//   exists (remove_stale_temporaries) before it creates its own.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace ebm {

// Streaming form. Construction creates the temporary file; write() appends; commit() flushes,
// fsyncs and renames. Destroying a writer that was not committed removes the temporary.
// Neither copyable nor movable (it owns a half-written file).
//
//   AtomicFileWriter out(path);
//   out.write(header);
//   out.write(body.data(), body.size());
//   out.commit();
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);  // throws std::runtime_error
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, std::size_t size);  // throws std::runtime_error
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }

  // Makes the new contents visible under path(). After a throw the temporary is already removed
  // and the writer is finished (further write/commit calls throw std::logic_error).
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }
  bool committed() const { return committed_; }

 private:
  [[noreturn]] void fail(const std::string& step, int err);  // discards the temporary, throws
  void discard() noexcept;

  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

// Removes the temporaries "<path>.tmp-<pid>-<n>" beside `path` whose writing process is gone (no
// process of that pid; never this process's own). Returns how many it removed. Best effort: a
// directory that cannot be listed is left alone.
int remove_stale_temporaries(const std::string& path);

// One-shot form: replaces `path` with `contents`. Throws std::runtime_error as above.
void write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace ebm
