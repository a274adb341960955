// ProducePipeline: one ProduceStream call that writes sealed batches in
// order, keeps at most `max_in_flight` of them unanswered, and matches each
// response (they come back in request order) to its batch.
//
// Thread-safe (internal synchronization). Enqueue() may be called from any
// thread; completions run on gRPC's callback threads. Used by Producer only.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clients/cpp/client.h"
#include "clients/cpp/produce_batch.h"
#include "grpcpp/support/client_callback.h"

namespace eventlog::client {

class ProducePipeline final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, v1::ProduceResponse> {
 public:
  // Called once per batch after its outcome was completed (in request
  // order, with no lock of the pipeline held), handing the batch back.
  using BatchDone = std::function<void(std::unique_ptr<ProduceBatch>)>;
  // Called (with no lock of the pipeline held) after a response when nothing
  // is waiting to be written, so the producer can send a batch it held back.
  using CapacityFreed = std::function<void()>;

  // `client` must outlive the pipeline. The stream goes on `channel` (a
  // partition leader's), or on the client's channel when it is null.
  ProducePipeline(Client& client, std::shared_ptr<grpc::Channel> channel, int max_in_flight,
                  BatchDone on_batch_done, CapacityFreed on_capacity);
  // Waits for the call to end; Finish() must have been called if Start() was.
  ~ProducePipeline() override;

  void Start();

  // Queues a batch whose request is complete. Returns nullptr when queued;
  // when the stream has already ended, returns the batch untouched so the
  // caller can fail it (never calls on_batch_done from inside Enqueue).
  std::unique_ptr<ProduceBatch> Enqueue(std::unique_ptr<ProduceBatch> batch);

  // Half-closes once every queued batch is written, then waits until
  // `deadline` for the remaining responses and the end of the call; cancels
  // the call if it is still open then. Returns the call's final status.
  absl::Status Finish(absl::Time deadline);

  // True when a batch enqueued now would be written at once (nothing
  // pending, fewer than max_in_flight unanswered).
  bool HasCapacity() const;

  // OK while the stream is healthy; afterwards why it ended.
  absl::Status status() const;
  // Cheap check for Producer::Send's fast path.
  bool ended() const { return ended_flag_.load(std::memory_order_acquire); }
  // True once the call is over and every batch was handed back: the
  // pipeline may be destroyed without waiting.
  bool finished() const;

 private:
  enum class NextWrite { kNone, kBatch, kWritesDone };

  NextWrite PickWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts what PickWriteLocked chose; call without mu_ held.
  void StartPicked(NextWrite next);
  void WriteMore();
  void ReleaseHoldIfIdle();

  void OnWriteDone(bool ok) override;
  void OnWritesDoneDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

  Client& client_;
  const std::shared_ptr<grpc::Channel> channel_;
  const int max_in_flight_;
  const BatchDone on_batch_done_;
  const CapacityFreed on_capacity_;
  grpc::ClientContext context_;
  v1::ProduceResponse response_;  // target of the single outstanding read
  std::atomic<bool> ended_flag_{false};

  mutable absl::Mutex mu_;
  std::deque<std::unique_ptr<ProduceBatch>> pending_ ABSL_GUARDED_BY(mu_);    // not yet written
  std::deque<std::unique_ptr<ProduceBatch>> in_flight_ ABSL_GUARDED_BY(mu_);  // written, unanswered
  const grpc::ByteBuffer* writing_ ABSL_GUARDED_BY(mu_) = nullptr;  // request being written
  bool writes_done_pending_ ABSL_GUARDED_BY(mu_) = false;
  // A batch answered while its write was still outstanding; handed back in OnWriteDone.
  std::unique_ptr<ProduceBatch> answered_while_writing_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool writes_done_sent_ ABSL_GUARDED_BY(mu_) = false;
  bool read_ended_ ABSL_GUARDED_BY(mu_) = false;
  bool write_failed_ ABSL_GUARDED_BY(mu_) = false;
  bool hold_released_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::client
