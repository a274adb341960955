// FileSystem: every file and directory operation of the storage engine
// (segments, metadata files, and LevelDB's files through LevelDbEnv) goes
// through one of these. PosixFileSystem is the real one; the storage tests
// wrap it to fail syncs on demand and to simulate power loss, dropping what
// was not made durable (tests/storage/fs/fault_injection_file_system.h).
//
// Durability model the engine codes against (that of Linux filesystems):
// file bytes are durable after File::Sync; a file's creation, rename or
// removal is durable after SyncDir of its directory.
//
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/fs/file.h"

namespace eventlog::storage::fs {

enum class OpenMode {
  kExisting,        // NOT_FOUND if missing
  kCreate,          // created, or truncated to 0 if it exists
  kCreateOrAppend,  // created if missing, else opened as is
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The process-wide PosixFileSystem. Never null; lives forever.
  static FileSystem* Default();

  virtual absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) = 0;
  // Atomically replaces `to` (if it exists) with `from`.
  virtual absl::Status Rename(const std::string& from, const std::string& to) = 0;
  // OK if `path` does not exist.
  virtual absl::Status Remove(const std::string& path) = 0;
  // rm -rf; OK if missing.
  virtual absl::Status RemoveAll(const std::string& path) = 0;
  // mkdir -p.
  virtual absl::Status CreateDirs(const std::string& path) = 0;
  // fsyncs a directory, making the entries created, renamed or removed in
  // it durable.
  virtual absl::Status SyncDir(const std::string& path) = 0;
  // Names (not paths) of the entries of `path`, unsorted.
  virtual absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
};

// Writes `contents` to `path` so that a crash leaves either the old file or
// the whole new one: a temporary file, fsynced, renamed over `path`, and the
// directory fsynced.
absl::Status WriteFileAtomically(FileSystem& fs, const std::string& path,
                                 const std::string& contents);

// The whole file. NOT_FOUND if missing.
absl::StatusOr<std::string> ReadWholeFile(FileSystem& fs, const std::string& path);

// The directory part of `path` ("a/b" for "a/b/c"; "." if none).
std::string DirName(const std::string& path);

// Maps errno to a status: ENOSPC/EDQUOT -> RESOURCE_EXHAUSTED, ENOENT ->
// NOT_FOUND, anything else -> INTERNAL; the message names `context`.
absl::Status ErrnoStatus(int err, const std::string& context);

}  // namespace eventlog::storage::fs
