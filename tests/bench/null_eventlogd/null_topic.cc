#include "tests/bench/null_eventlogd/null_topic.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/cpp/murmur2.h"
#include "tests/bench/null_eventlogd/batch_encoder.h"

namespace eventlog::bench {
namespace {

// Per partition, the produced batches kept for tailing subscribers; older
// ones are read back as synthetic records.
constexpr size_t kRetainedBytesPerPartition = 8 << 20;
// eventlogd's cap on one pushed batch (BrokerOptions::subscribe_batch_bytes).
constexpr int64_t kBatchBytes = 1 << 20;

}  // namespace

NullTopic::NullTopic(std::string name, int32_t partitions, v1::TopicConfig config)
    : name_(std::move(name)),
      config_(std::move(config)),
      partition_count_(partitions),
      parts_(static_cast<size_t>(partitions)) {}

void NullTopic::Describe(v1::TopicDescription* out) const {
  out->set_name(name_);
  *out->mutable_config() = config_;
  absl::MutexLock lock(&mu_);
  for (size_t p = 0; p < parts_.size(); ++p) {
    v1::PartitionInfo* info = out->add_partitions();
    info->set_partition(static_cast<int32_t>(p));
    info->set_high_watermark(parts_[p].high_watermark);
    info->set_log_end_offset(parts_[p].high_watermark);
  }
}

int64_t NullTopic::HighWatermark(int32_t partition) const {
  absl::MutexLock lock(&mu_);
  return parts_[static_cast<size_t>(partition)].high_watermark;
}

absl::Status NullTopic::Append(const v1::ProduceRequest& request, v1::ProduceResponse* response) {
  if (request.records_size() == 0) {
    return absl::InvalidArgumentError("a produce request needs at least one record");
  }
  if (request.has_partition() &&
      (request.partition() < 0 || request.partition() >= partition_count_)) {
    return absl::NotFoundError(absl::StrCat("topic '", name_, "' has no partition ",
                                            request.partition()));
  }
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  // Records per partition, in request order; one partition unless keyed
  // records are routed by the server.
  std::vector<std::vector<const v1::Record*>> routed;
  std::vector<int32_t> touched;
  bool keyed = false;
  if (!request.has_partition()) {
    for (const v1::Record& record : request.records()) keyed = keyed || !record.key().empty();
  }
  if (keyed) {
    routed.resize(static_cast<size_t>(partition_count_));
    for (const v1::Record& record : request.records()) {
      // Keyless records of a keyed request go to partition 0 here (eventlogd
      // sends them round robin); perf never mixes the two.
      const int32_t p =
          record.key().empty() ? 0 : client::PartitionForKey(record.key(), partition_count_);
      if (routed[static_cast<size_t>(p)].empty()) touched.push_back(p);
      routed[static_cast<size_t>(p)].push_back(&record);
    }
    std::sort(touched.begin(), touched.end());
  } else {
    routed.emplace_back();
    routed[0].reserve(static_cast<size_t>(request.records_size()));
    for (const v1::Record& record : request.records()) routed[0].push_back(&record);
  }
  std::vector<std::pair<const void*, std::function<void()>>> wake;
  {
    absl::MutexLock lock(&mu_);
    if (keyed) {
      for (int32_t p : touched) AppendLocked(p, routed[static_cast<size_t>(p)], now_ms, response);
    } else {
      const int32_t p = request.has_partition()
                            ? request.partition()
                            : static_cast<int32_t>(round_robin_++ % partition_count_);
      AppendLocked(p, routed[0], now_ms, response);
    }
    wake.swap(waiters_);
  }
  for (auto& [key, callback] : wake) callback();
  return absl::OkStatus();
}

void NullTopic::AppendLocked(int32_t partition, const std::vector<const v1::Record*>& records,
                             int64_t now_ms, v1::ProduceResponse* response) {
  Partition& part = parts_[static_cast<size_t>(partition)];
  const int64_t base = part.high_watermark;
  part.high_watermark += static_cast<int64_t>(records.size());
  v1::PartitionAppend* append = response->add_appends();
  append->set_partition(partition);
  append->set_base_offset(base);
  append->set_last_offset(part.high_watermark - 1);
  if (part.shape == nullptr) {
    auto shape = std::make_shared<v1::Record>(*records.front());
    shape->set_timestamp_ms(0);
    part.shape = std::move(shape);
  }
  if (subscribers_ == 0) return;
  Retained kept{base, static_cast<int64_t>(records.size()),
                EncodeRecordBatch(name_, partition, base, part.high_watermark, now_ms, records)};
  part.retained_bytes += kept.bytes.Length();
  part.retained.push_back(std::move(kept));
  while (part.retained_bytes > kRetainedBytesPerPartition && part.retained.size() > 1) {
    part.retained_bytes -= part.retained.front().bytes.Length();
    part.retained.pop_front();
  }
}

absl::StatusOr<NullTopic::Cursor> NullTopic::OpenCursor(const v1::SubscribeRequest& request) {
  if (!request.group().empty()) {
    return absl::UnimplementedError("the reference server has no consumer groups");
  }
  Cursor cursor;
  if (request.max_batch_records() > 0) {
    cursor.max_records = std::min(request.max_batch_records(), 10000);
  }
  absl::MutexLock lock(&mu_);
  if (request.partitions().empty()) {
    for (int32_t p = 0; p < partition_count_; ++p) cursor.partitions.push_back(p);
  }
  for (int32_t p : request.partitions()) {
    if (p < 0 || p >= partition_count_) {
      return absl::NotFoundError(absl::StrCat("topic '", name_, "' has no partition ", p));
    }
    cursor.partitions.push_back(p);
  }
  for (int32_t p : cursor.partitions) {
    const int64_t end = parts_[static_cast<size_t>(p)].high_watermark;
    switch (request.start_from()) {
      case v1::START_FROM_EARLIEST:
      case v1::START_FROM_TIMESTAMP:
        cursor.positions.push_back(0);
        break;
      case v1::START_FROM_OFFSET:
        if (request.start_offset() < 0 || request.start_offset() > end) {
          return absl::OutOfRangeError(absl::StrCat("offset ", request.start_offset(),
                                                    " is outside [0, ", end, "]"));
        }
        cursor.positions.push_back(request.start_offset());
        break;
      default:
        cursor.positions.push_back(end);
    }
  }
  return cursor;
}

std::optional<grpc::ByteBuffer> NullTopic::Next(Cursor* cursor, const void* waiter,
                                                std::function<void()> wake) {
  std::shared_ptr<const v1::Record> shape;
  int32_t partition = 0;
  int64_t begin = 0, end = 0, high_watermark = 0;
  {
    absl::MutexLock lock(&mu_);
    const size_t n = cursor->partitions.size();
    size_t i = 0;
    for (; i < n; ++i) {
      const size_t at = (cursor->next + i) % n;
      const Partition& part = parts_[static_cast<size_t>(cursor->partitions[at])];
      int64_t& position = cursor->positions[at];
      if (position >= part.high_watermark) continue;
      cursor->next = at + 1;
      // The first kept batch that ends past the position.
      auto kept = std::upper_bound(
          part.retained.begin(), part.retained.end(), position,
          [](int64_t offset, const Retained& r) { return offset < r.base_offset + r.count; });
      if (kept != part.retained.end() && kept->base_offset <= position) {
        position = kept->base_offset + kept->count;
        return kept->bytes;  // copies take references to its slices
      }
      partition = cursor->partitions[at];
      shape = part.shape;
      begin = position;
      high_watermark = part.high_watermark;
      end = kept != part.retained.end() ? kept->base_offset : high_watermark;
      const int64_t record_bytes =
          std::max<int64_t>(1, static_cast<int64_t>(shape->ByteSizeLong()));
      end = std::min({end, begin + cursor->max_records,
                      begin + std::max<int64_t>(1, kBatchBytes / record_bytes)});
      position = end;
      break;
    }
    if (i == n) {
      waiters_.emplace_back(waiter, std::move(wake));
      return std::nullopt;
    }
  }
  // Encoded outside the lock: synthetic records cost producers nothing.
  std::vector<const v1::Record*> records(static_cast<size_t>(end - begin), shape.get());
  return EncodeRecordBatch(name_, partition, begin, high_watermark,
                           absl::ToUnixMillis(absl::Now()), records);
}

bool NullTopic::Unpark(const void* waiter) {
  absl::MutexLock lock(&mu_);
  auto it = std::find_if(waiters_.begin(), waiters_.end(),
                         [waiter](const auto& w) { return w.first == waiter; });
  if (it == waiters_.end()) return false;
  waiters_.erase(it);
  return true;
}

void NullTopic::AddSubscriber(int delta) {
  absl::MutexLock lock(&mu_);
  subscribers_ += delta;
}

}  // namespace eventlog::bench
