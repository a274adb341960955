// SharedBatch: consecutive records of one partition, read once from the log
// and handed to every subscription that reads the same range (see
// BatchCache), together with its wire encodings, which the transport
// computes once for all of them. The records are copied into one buffer of their own
// size: a log read is backed by pooled buffers of 64 KiB and more, which a
// cached batch of a few small records should not pin.
//
// Thread-safe: the records are immutable; Encoded() synchronizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "storage/partition_log.h"

namespace eventlog::broker {

class SharedBatch {
 public:
  SharedBatch(int32_t partition, storage::ReadResult read);

  SharedBatch(const SharedBatch&) = delete;
  SharedBatch& operator=(const SharedBatch&) = delete;

  int32_t partition() const { return partition_; }
  // Records (views into this batch's own buffer), next_offset,
  // high_watermark at read time.
  const storage::ReadResult& read() const { return read_; }
  // Key, value and header bytes of the records.
  size_t payload_bytes() const { return payload_bytes_; }
  // Key, value and header bytes of `read`'s records.
  static size_t PayloadBytes(const storage::ReadResult& read);

  // How many encodings of one batch the transport may keep (its wire forms,
  // e.g. records or columns).
  static constexpr int kEncodings = 2;

  // The batch in encoding `form` (0 <= form < kEncodings) as made by
  // `encode`, run once per form by the first caller; later and concurrent
  // callers get that result (they wait while it runs). Every caller must
  // ask for the same T for a given form.
  template <typename T>
  std::shared_ptr<const T> Encoded(int form,
                                   absl::FunctionRef<std::shared_ptr<const T>()> encode) const {
    absl::MutexLock lock(&mu_);
    std::shared_ptr<const void>& encoded = encoded_[form];
    if (encoded == nullptr) encoded = encode();
    return std::static_pointer_cast<const T>(encoded);
  }

 private:
  static storage::ReadResult Compact(storage::ReadResult read);

  const int32_t partition_;
  const storage::ReadResult read_;
  const size_t payload_bytes_;

  mutable absl::Mutex mu_;
  mutable std::shared_ptr<const void> encoded_[kEncodings] ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::broker
