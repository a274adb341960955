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
  auto producer =
      std::make_unique<Producer>(PrivateTag(), client, std::string(topic), partitions, options);
  Producer* self = producer.get();
  if (options.route_to_leaders && client.options().credentials == nullptr) {
    producer->router_ = LeaderRouter::Create(client, topic);
  }
  {
    absl::MutexLock lock(&self->mu_);
    self->pipeline_ = self->NewPipeline(nullptr);
  }
  producer->linger_thread_ = std::thread(&Producer::LingerLoop, producer.get());
  return producer;
}

Producer::Producer(PrivateTag, Client& client, std::string topic, int32_t partitions,
                   ProducerOptions options)
    : client_(client), topic_(std::move(topic)), partitions_(partitions), options_(options) {
  absl::MutexLock lock(&mu_);
  open_.resize(partitions_);
  flights_ =
      std::vector<PartitionFlight>(partitions_);  // deque is not nothrow-movable: no resize()
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

  const int32_t partition = ChoosePartition(key, requested_partition);
  ProduceBatch& batch = BatchFor(partition, record_bytes);
  const int32_t index = batch.records++;
  fill(batch.encoded);
  batch.bytes += record_bytes;
  buffered_bytes_ += record_bytes;
  RecordFuture future(batch.outcome, index);
  if (batch.records >= options_.batch_max_records || batch.bytes >= options_.batch_max_bytes ||
      (options_.linger <= absl::ZeroDuration() && HasCapacity(partition))) {
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
  batch->request = ProduceRequestWire::Finish(topic_, partition, options_.acks, batch->request_id,
                                              std::move(batch->encoded));
  ++sealed_batches_;
  Dispatch(std::move(batch));
}

void Producer::Dispatch(std::unique_ptr<ProduceBatch> batch) {
  PartitionFlight& flight = flights_[batch->partition];
  const std::string address = Route(batch->partition);
  if (!flight.held.empty() || (flight.in_flight > 0 && flight.address != address)) {
    flight.held.push_back(std::move(batch));
    return;
  }
  SendTo(address, std::move(batch));
}

void Producer::DrainHeld(int32_t partition) {
  PartitionFlight& flight = flights_[partition];
  while (!flight.held.empty()) {
    const std::string address = Route(partition);
    if (flight.in_flight > 0 && flight.address != address) return;
    std::unique_ptr<ProduceBatch> batch = std::move(flight.held.front());
    flight.held.pop_front();
    // May hold it again (its leader's stream ended with batches in flight);
    // the address is then routed around, so the next round returns.
    SendTo(address, std::move(batch));
  }
}

void Producer::SendTo(const std::string& address, std::unique_ptr<ProduceBatch> batch) {
  PartitionFlight& flight = flights_[batch->partition];
  if (!address.empty() && !finishing_) {
    std::unique_ptr<ProduceBatch> rejected = LeaderPipeline(address)->Enqueue(std::move(batch));
    if (rejected == nullptr) {
      flight.address = address;
      ++flight.in_flight;
      return;
    }
    // Its stream has just ended: the broker went away. Through the Client's
    // broker, once what is in flight to the leader is answered.
    router_->Invalidate(address);
    batch = std::move(rejected);
    if (flight.in_flight > 0 && !flight.address.empty()) {
      flight.held.push_front(std::move(batch));
      return;
    }
  }
  std::unique_ptr<ProduceBatch> rejected = ClientPipeline()->Enqueue(std::move(batch));
  if (rejected == nullptr) {
    flight.address.clear();
    ++flight.in_flight;
    return;
  }
  FailBatch(std::move(rejected), closed_ && pipeline_->status().ok()
                                     ? absl::FailedPreconditionError("producer is closed")
                                     : StreamError());
}

ProducePipeline* Producer::LeaderPipeline(const std::string& address) {
  std::unique_ptr<ProducePipeline>& pipeline = leaders_[address];
  if (pipeline != nullptr && pipeline->ended()) retired_.push_back(std::move(pipeline));
  if (pipeline == nullptr) pipeline = NewPipeline(router_->Channel(address));
  return pipeline.get();
}

ProducePipeline* Producer::ClientPipeline() {
  if (!pipeline_->ended() || finishing_) return pipeline_.get();
  const absl::Time now = absl::Now();
  if (!reopen_.Ready(now)) return pipeline_.get();
  // Streams whose calls are over have handed every batch back: drop them, so
  // that a long outage does not pile them up.
  retired_.erase(std::remove_if(retired_.begin(), retired_.end(),
                                [](const std::unique_ptr<ProducePipeline>& retired) {
                                  return retired->finished();
                                }),
                 retired_.end());
  retired_.push_back(std::move(pipeline_));
  pipeline_ = NewPipeline(nullptr);
  reopen_.Schedule(now);
  return pipeline_.get();
}

std::unique_ptr<ProducePipeline> Producer::NewPipeline(std::shared_ptr<grpc::Channel> channel) {
  auto pipeline = std::make_unique<ProducePipeline>(
      client_, std::move(channel), options_.max_in_flight,
      [this](std::unique_ptr<ProduceBatch> batch) { OnBatchDone(std::move(batch)); },
      [this] { OnCapacity(); });
  pipeline->Start();
  return pipeline;
}

std::string Producer::Route(int32_t partition) const {
  return router_ == nullptr ? "" : router_->Lookup(partition);
}

bool Producer::HasCapacity(int32_t partition) {
  if (router_ == nullptr) return pipeline_->HasCapacity();
  const std::string address = router_->Lookup(partition);
  if (address.empty()) return pipeline_->HasCapacity();
  auto leader = leaders_.find(address);
  return leader == leaders_.end() || leader->second->HasCapacity();
}

void Producer::FailBatch(std::unique_ptr<ProduceBatch> batch, absl::Status error) {
  batch->outcome->Complete(std::move(error), batch->partition, -1);
  buffered_bytes_ -= batch->bytes;
  ++finished_batches_;
  RecycleLocked(std::move(batch));
  progress_cv_.SignalAll();
}

void Producer::OnBatchDone(std::unique_ptr<ProduceBatch> batch) {
  absl::MutexLock lock(&mu_);
  const int32_t partition = batch->partition;
  PartitionFlight& flight = flights_[partition];
  if (flight.address.empty() && batch->outcome->status.ok()) {
    // The Client's broker answers: a later break is reopened at once.
    reopen_.Reset();
  }
  if (router_ != nullptr) {
    // The outcome is complete before the pipeline hands the batch back.
    const absl::Status& status = batch->outcome->status;
    // The stream to a leader broke (the broker went away), or a broker said
    // the partition is led elsewhere or by nobody now: read metadata again.
    if (absl::IsUnavailable(status) || absl::IsNotFound(status))
      router_->Invalidate(flight.address);
  }
  --flight.in_flight;
  buffered_bytes_ -= batch->bytes;
  ++finished_batches_;
  RecycleLocked(std::move(batch));
  DrainHeld(partition);
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
      } else if (HasCapacity(p)) {
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
  const absl::Time deadline = absl::Now() + options_.close_timeout;
  std::vector<ProducePipeline*> leaders;
  ProducePipeline* client_pipeline = nullptr;
  {
    // Held batches go out once what is in flight before them is answered.
    absl::MutexLock lock(&mu_);
    auto held = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      for (const PartitionFlight& flight : flights_) {
        if (!flight.held.empty()) return true;
      }
      return false;
    };
    while (held()) {
      if (progress_cv_.WaitWithDeadline(&mu_, deadline)) break;  // timed out
    }
    finishing_ = true;  // no new streams from here on
    client_pipeline = pipeline_.get();
    for (auto& [address, pipeline] : leaders_) leaders.push_back(pipeline.get());
    for (auto& pipeline : retired_) leaders.push_back(pipeline.get());
  }
  absl::Status status = client_pipeline->Finish(deadline);
  // A leader's stream (or an ended one) reports its errors in its records'
  // futures.
  for (ProducePipeline* other : leaders) other->Finish(deadline).IgnoreError();
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
