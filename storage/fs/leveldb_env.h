// LevelDbEnv: LevelDB's Env with every file LevelDB writes, renames or
// removes going through a FileSystem, so that the storage tests' fault
// injection and power-loss simulation cover the index and committed offsets
// too. Reads, locks, threads and LevelDB's info log stay with the default
// Env.
//
// Its writable files never drop bytes when a write fails: LevelDB's own log
// file discards its buffer when write() fails (ENOSPC) while its log writer
// has already counted those bytes into the 32 KiB block layout, so records
// written after a full disk would sit at the wrong place and be skipped at
// replay. Here unwritten bytes stay queued and go out first on the next
// write, so a file is always exactly what LevelDB believes. (A write that
// failed may therefore still apply after a restart, as a request that timed
// out may have applied.)
//
// Durability: Sync of a MANIFEST also fsyncs its directory (as LevelDB's
// posix Env does), and a rename fsyncs its directory (LevelDB renames only to
// install CURRENT, rarely), so LevelDB stays consistent under the
// FileSystem's durability model.
//
// Thread-safe as LevelDB requires.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "leveldb/env.h"
#include "storage/fs/file_system.h"

namespace eventlog::storage::fs {

class LevelDbEnv final : public leveldb::EnvWrapper {
 public:
  // Told of every failed file or directory sync (the store's fail-stop
  // latch), with what failed.
  using SyncFailureHook = std::function<void(const absl::Status&, const std::string& what)>;

  // `fs` is not owned and must outlive every DB opened with this Env.
  LevelDbEnv(FileSystem* fs, SyncFailureHook on_sync_failure)
      : leveldb::EnvWrapper(leveldb::Env::Default()),
        fs_(fs),
        on_sync_failure_(std::move(on_sync_failure)) {}

  leveldb::Status NewWritableFile(const std::string& fname,
                                  leveldb::WritableFile** result) override;
  leveldb::Status NewAppendableFile(const std::string& fname,
                                    leveldb::WritableFile** result) override;
  leveldb::Status RemoveFile(const std::string& fname) override;
  leveldb::Status RenameFile(const std::string& src, const std::string& target) override;
  leveldb::Status CreateDir(const std::string& dirname) override;

 private:
  leveldb::Status NewFile(const std::string& fname, OpenMode mode, leveldb::WritableFile** result);

  FileSystem* const fs_;
  const SyncFailureHook on_sync_failure_;
};

}  // namespace eventlog::storage::fs
