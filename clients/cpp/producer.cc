#include "clients/cpp/producer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "clients/cpp/murmur2.h"
#include "clients/cpp/produce_request_wire.h"

namespace eventlog::client {
namespace {

constexpr size_t kMaxPooledBatches = 64;
constexpr size_t kRecordOverhead = 16;  // offsets, lengths, timestamp (estimate)

size_t RecordBytes(const v1::Record& record) {
  size_t bytes = record.key().size() + record.value().size() + kRecordOverhead;
  for (const v1::Header& h : record.headers()) bytes += h.key().size() + h.value().size() + 8;
  return bytes;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(Client& client, absl::string_view topic,
                                                           ProducerOptions options) {
  absl::StatusOr<v1::TopicDescription> description = client.DescribeTopic(topic);
  if (!description.ok()) return description.status();
  const int32_t partitions = description->partitions_size();
  if (partitions <= 0) {
    return absl::InternalError(absl::StrCat("topic '", topic, "' has no partitions"));
  }
  auto producer = std::make_unique<Producer>(PrivateTag(), std::string(topic), partitions, options);
  Producer* self = producer.get();
  producer->pipeline_ = std::make_unique<ProducePipeline>(
      client, options.max_in_flight,
      [self](std::unique_ptr<ProduceBatch> batch) { self->OnBatchDone(std::move(batch)); },
      [self] { self->OnCapacity(); });
  producer->pipeline_->Start();
  producer->linger_thread_ = std::thread(&Producer::LingerLoop, producer.get());
  return producer;
}

Producer::Producer(PrivateTag, std::string topic, int32_t partitions, ProducerOptions options)
    : topic_(std::move(topic)), partitions_(partitions), options_(options) {
  absl::MutexLock lock(&mu_);
  open_.resize(partitions_);
}

Producer::~Producer() { Close().IgnoreError(); }

RecordFuture Producer::Send(v1::Record&& record, int32_t partition) {
  return Append(record.key(), partition, RecordBytes(record), [&record](std::string& records) {
    ProduceRequestWire::AppendRecord(records, record.key(), record.value(), record.headers(),
                                     record.timestamp_ms());
  });
}

RecordFuture Producer::Send(absl::string_view key, absl::string_view value, int32_t partition) {
  return Append(key, partition, key.size() + value.size() + kRecordOverhead,
                [key, value](std::string& records) {
                  ProduceRequestWire::AppendRecord(records, key, value);
                });
}

RecordFuture Producer::Append(absl::string_view key, int32_t requested_partition,
                              size_t record_bytes,
                              absl::FunctionRef<void(std::string& records)> fill) {
  absl::MutexLock lock(&mu_);
  if (requested_partition >= partitions_ || requested_partition < kAnyPartition) {
    return RecordFuture::Failed(absl::InvalidArgumentError(
        absl::StrCat("partition ", requested_partition, " does not exist in topic '", topic_, "' (",
                     partitions_, " partitions)")));
  }
  while (!closed_ && !pipeline_->ended() && buffered_bytes_ > 0 &&
         buffered_bytes_ + record_bytes > options_.max_buffered_bytes) {
    progress_cv_.Wait(&mu_);
  }
  if (closed_) return RecordFuture::Failed(absl::FailedPreconditionError("producer is closed"));
  if (pipeline_->ended()) return RecordFuture::Failed(StreamError());

  const int32_t partition = ChoosePartition(key, requested_partition);
  ProduceBatch& batch = BatchFor(partition, record_bytes);
  const int32_t index = batch.records++;
  fill(batch.encoded);
  batch.bytes += record_bytes;
  buffered_bytes_ += record_bytes;
  RecordFuture future(batch.outcome, index);
  if (batch.records >= options_.batch_max_records ||
      batch.bytes >= options_.batch_max_bytes ||
      (options_.linger <= absl::ZeroDuration() && pipeline_->HasCapacity())) {
    Seal(partition);
  }
  return future;
}

int32_t Producer::ChoosePartition(absl::string_view key, int32_t requested) {
  if (requested != kAnyPartition) return requested;
  if (!key.empty()) return PartitionForKey(key, partitions_);
  return sticky_partition_;
}

ProduceBatch& Producer::BatchFor(int32_t partition, size_t record_bytes) {
  std::unique_ptr<ProduceBatch>& slot = open_[partition];
  if (slot != nullptr && slot->bytes + record_bytes > options_.batch_max_bytes) Seal(partition);
  if (slot == nullptr) {
    if (pool_.empty()) {
      slot = std::make_unique<ProduceBatch>();
    } else {
      slot = std::move(pool_.back());
      pool_.pop_back();
    }
    slot->partition = partition;
    slot->records = 0;
    slot->encoded.clear();
    slot->outcome = std::make_shared<BatchOutcome>();
    slot->bytes = 0;
    slot->deadline = absl::Now() + options_.linger;
    linger_cv_.Signal();
  }
  return *slot;
}

void Producer::Seal(int32_t partition) {
  std::unique_ptr<ProduceBatch> batch = std::move(open_[partition]);
  if (batch == nullptr) return;
  if (partition == sticky_partition_) sticky_partition_ = (sticky_partition_ + 1) % partitions_;
  batch->request_id = next_request_id_++;
  batch->request = ProduceRequestWire::Finish(topic_, partition, options_.acks,
                                              batch->request_id, std::move(batch->encoded));
  ++sealed_batches_;
  std::unique_ptr<ProduceBatch> rejected = pipeline_->Enqueue(std::move(batch));
  if (rejected == nullptr) return;
  absl::Status error = closed_ && pipeline_->status().ok()
                           ? absl::FailedPreconditionError("producer is closed")
                           : StreamError();
  rejected->outcome->Complete(std::move(error), partition, -1);
  buffered_bytes_ -= rejected->bytes;
  ++finished_batches_;
  RecycleLocked(std::move(rejected));
  progress_cv_.SignalAll();
}

void Producer::OnBatchDone(std::unique_ptr<ProduceBatch> batch) {
  absl::MutexLock lock(&mu_);
  buffered_bytes_ -= batch->bytes;
  ++finished_batches_;
  RecycleLocked(std::move(batch));
  progress_cv_.SignalAll();
}

void Producer::OnCapacity() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  for (int32_t p = 0; p < partitions_; ++p) {
    if (open_[p] != nullptr && open_[p]->deadline <= now) Seal(p);
  }
}

void Producer::RecycleLocked(std::unique_ptr<ProduceBatch> batch) {
  if (pool_.size() >= kMaxPooledBatches) return;
  batch->outcome.reset();
  batch->request.Clear();
  batch->encoded.clear();
  pool_.push_back(std::move(batch));
}

void Producer::LingerLoop() {
  absl::MutexLock lock(&mu_);
  while (!closed_) {
    const absl::Time now = absl::Now();
    absl::Time next = absl::InfiniteFuture();
    for (int32_t p = 0; p < partitions_; ++p) {
      if (open_[p] == nullptr) continue;
      if (open_[p]->deadline > now) {
        next = std::min(next, open_[p]->deadline);
      } else if (pipeline_->HasCapacity()) {
        Seal(p);
      }  // else OnCapacity sends it when a response frees a slot
    }
    linger_cv_.WaitWithDeadline(&mu_, next);
  }
}

absl::Status Producer::Flush() {
  absl::MutexLock lock(&mu_);
  for (int32_t p = 0; p < partitions_; ++p) Seal(p);
  const uint64_t target = sealed_batches_;
  while (finished_batches_ < target) progress_cv_.Wait(&mu_);
  return pipeline_->ended() ? StreamError() : absl::OkStatus();
}

absl::Status Producer::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return close_status_;
    for (int32_t p = 0; p < partitions_; ++p) Seal(p);
    closed_ = true;
    linger_cv_.Signal();
  }
  if (linger_thread_.joinable()) linger_thread_.join();
  absl::Status status = pipeline_->Finish(absl::Now() + options_.close_timeout);
  absl::MutexLock lock(&mu_);
  close_status_ = status;
  return status;
}

absl::Status Producer::StreamError() const {
  absl::Status status = pipeline_->status();
  if (status.ok()) return absl::UnavailableError("produce stream closed");
  return status;
}

}  // namespace eventlog::client
