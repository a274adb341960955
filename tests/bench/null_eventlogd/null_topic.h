// NullTopic: one topic of the store-nothing reference server. Produced
// records are acknowledged and counted (one high watermark per partition),
// not stored. Subscribers read synthetic records shaped like the first record
// produced to each partition (same key, value and headers; real offsets), so
// a consumer of N produced records receives N records of the same size.
// While a topic has subscribers, the batches produced to it are also kept,
// encoded, in a small window per partition: a tailing subscriber (e.g.
// `eventlog perf latency`) receives the producer's own records, as it would
// from eventlogd.
//
// Thread-safe: mu_ guards all mutable state; wake-ups of parked subscribers
// run on the producing thread, outside mu_.
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/v1/eventlog.pb.h"

namespace eventlog::bench {

class NullTopic {
 public:
  // Where one subscription is, per subscribed partition. Owned by its
  // subscriber; not thread-safe by itself.
  struct Cursor {
    std::vector<int32_t> partitions;
    std::vector<int64_t> positions;  // next offset, per entry of `partitions`
    size_t next = 0;                 // round robin over partitions
    int32_t max_records = 500;
  };

  NullTopic(std::string name, int32_t partitions, v1::TopicConfig config);

  const std::string& name() const { return name_; }
  int32_t partitions() const { return partition_count_; }

  void Describe(v1::TopicDescription* out) const;
  int64_t HighWatermark(int32_t partition) const;

  // Routes and counts `request`'s records as eventlogd would (explicit
  // partition; else murmur2 of the key; keyless records of a request to one
  // partition, round robin) and fills `response`'s appends. Errors:
  // INVALID_ARGUMENT (no records), NOT_FOUND (no such partition).
  absl::Status Append(const v1::ProduceRequest& request, v1::ProduceResponse* response);

  // A subscription at `start_from` (EARLIEST, OFFSET, LATEST; others read
  // from the end) over `partitions` (empty: all). Errors: NOT_FOUND,
  // INVALID_ARGUMENT.
  absl::StatusOr<Cursor> OpenCursor(const v1::SubscribeRequest& request);

  // The next encoded SubscribeResponse for `cursor`, or nullopt when it is
  // caught up: then `wake` is registered under the key `waiter` and runs
  // once, on a producer's thread, when records arrive.
  std::optional<grpc::ByteBuffer> Next(Cursor* cursor, const void* waiter,
                                       std::function<void()> wake);
  // Drops the registration of `waiter`; true if it was registered (then
  // its `wake` never runs).
  bool Unpark(const void* waiter);

  // Subscribers of the topic, counted so that produce encodes batches for
  // them only when there are any.
  void AddSubscriber(int delta);

 private:
  struct Retained {
    int64_t base_offset = 0;
    int64_t count = 0;
    grpc::ByteBuffer bytes;
  };
  struct Partition {
    int64_t high_watermark = 0;
    // The first record produced here: the shape of synthetic records.
    std::shared_ptr<const v1::Record> shape;
    std::deque<Retained> retained;
    size_t retained_bytes = 0;
  };

  // Counts `records` onto `partition` and, with subscribers, keeps
  // them encoded.
  void AppendLocked(int32_t partition, const std::vector<const v1::Record*>& records,
                    int64_t now_ms, v1::ProduceResponse* response)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string name_;
  const v1::TopicConfig config_;
  const int32_t partition_count_;

  mutable absl::Mutex mu_;
  std::vector<Partition> parts_ ABSL_GUARDED_BY(mu_);
  int64_t round_robin_ ABSL_GUARDED_BY(mu_) = 0;
  int subscribers_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::pair<const void*, std::function<void()>>> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::bench
