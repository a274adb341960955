// FileBudget: keeps a data directory within the process's open-file limit.
// Every segment file of every partition stays open while the broker runs
// (storage/log/segment.h), so 10,000 partitions need 10,000 descriptors; a
// broker that ran into the limit halfway would fail appends and rolls with
// EMFILE. Instead it refuses up front, with the numbers and the remedy: a data
// directory whose segment files would not fit at open (FAILED_PRECONDITION),
// and a topic whose partitions would not fit at creation
// (RESOURCE_EXHAUSTED, nothing created).
//
// `reserved_files` is left for everything else: LevelDB's tables and logs,
// client connections, the listeners. Thread-safe (stateless beyond its
// options).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "storage/fs/file_system.h"

namespace eventlog::storage {

class FileBudget {
 public:
  // `fs` must outlive it. reserved_files < 0 turns every check off.
  FileBudget(fs::FileSystem* fs, std::string data_dir, int64_t reserved_files)
      : fs_(fs), data_dir_(std::move(data_dir)), reserved_files_(reserved_files) {}

  // Before the store opens: the segment files in the data directory plus
  // the reserve must fit under the soft limit.
  absl::Status CheckDataDirectory() const;

  // Before `files` more are opened (a new topic's partitions).
  absl::Status CheckNewFiles(int64_t files) const;

 private:
  // Segment files under <data_dir>/topics/<id>/<partition>/.
  int64_t CountSegmentFiles() const;

  fs::FileSystem* const fs_;
  const std::string data_dir_;
  const int64_t reserved_files_;
};

}  // namespace eventlog::storage
