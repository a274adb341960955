// LevelDbLogEnv: LevelDB's default Env, except that its write-ahead log
// files (*.log) never drop bytes when a write fails.
//
// LevelDB's own log file discards its buffer when write() fails (ENOSPC),
// while its log writer has already counted those bytes into the 32 KiB block
// layout. Records written after a full disk then sit at the wrong place, and
// replaying the log at the next open can skip them: committed offsets
// acknowledged after the disk had space again could be lost. Here the
// unwritten bytes stay queued and go out first on the next write, so the file
// is always exactly what the log writer believes. A write that failed may
// therefore still apply when the log is replayed after a restart, as a
// request that timed out may have applied.
//
// Thread-safe as LevelDB requires (files are used by one writer at a time).
#pragma once

#include <string>

#include "leveldb/env.h"

namespace eventlog::storage {

class LevelDbLogEnv final : public leveldb::EnvWrapper {
 public:
  // The process-wide instance over leveldb::Env::Default(); lives forever.
  static LevelDbLogEnv* Default();

  LevelDbLogEnv() : leveldb::EnvWrapper(leveldb::Env::Default()) {}

  leveldb::Status NewWritableFile(const std::string& fname,
                                  leveldb::WritableFile** result) override;
};

}  // namespace eventlog::storage
