// History: what the fault loop's clients did and saw, in the order it
// happened, as one line per event in a text file (tab-separated:
// milliseconds since the start, kind, fields), so that a failing run can be
// checked again (`fault_loop --check=FILE`) and read by a person. Kinds:
//   ack       producer key seq partition offset value   an ACKS_ALL record acknowledged
//   fail      producer key seq code                     a produce that failed (may or may not be kept)
//   read      reader partition offset key value         a record a reader got
//   commit    member partition offset generation        a commit the coordinator acknowledged
//   committed partition offset                          a committed offset read back (FetchCommittedOffsets)
//   final     partition high_watermark                  the end of a partition after the run
//   note      text                                      the nemesis's faults, the run's phases
// Keys and values never hold tabs or newlines.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace eventlog::testing::faults {

class History {
 public:
  // Writes to `path` (truncated).
  explicit History(const std::string& path);

  void Ack(const std::string& producer, const std::string& key, int64_t seq, int32_t partition,
           int64_t offset, const std::string& value);
  void ProduceFailed(const std::string& producer, const std::string& key, int64_t seq, int code);
  void Read(const std::string& reader, int32_t partition, int64_t offset, const std::string& key,
            const std::string& value);
  void Commit(const std::string& member, int32_t partition, int64_t offset, int64_t generation);
  void Committed(int32_t partition, int64_t offset);
  void Final(int32_t partition, int64_t high_watermark);
  void Note(const std::string& text);

  // A recorded history: per line, its fields after the time (kind first).
  static absl::StatusOr<std::vector<std::vector<std::string>>> Load(const std::string& path);

 private:
  void Write(const std::vector<std::string>& fields) ABSL_LOCKS_EXCLUDED(mu_);

  const absl::Time start_ = absl::Now();
  absl::Mutex mu_;
  std::ofstream out_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::testing::faults
