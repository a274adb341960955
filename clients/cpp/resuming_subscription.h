// ResumingSubscription: the Subscribe streams of one Consumer. It starts as
// one stream with the consumer's request. With `resubscribe` on, a stream
// that ends with UNAVAILABLE (its broker went away, or a forwarding broker
// lost the leader) or is cancelled by a broker shutting down is replaced,
// after a backoff (immediately the first time, then 100 ms doubling to 5 s;
// any response resets it), on the Client's channel, whose pick_first policy
// moves to the next broker of a bootstrap list:
// - a group stream rejoins the group from its committed offsets (delivery is
//   at-least-once: what was returned after the last commit comes again);
// - an explicit stream is re-opened from the caller's positions (the next
//   offset after the last record returned), one stream per distinct offset
//   (START_FROM_OFFSET takes one offset per request); its partitions that
//   returned nothing yet start from the original position again (with
//   LATEST: the end of the log at that moment).
// Next() reports a stream's end only after every response it queued was
// handed out, and the caller hands out each response whole before calling
// Next() again, so the positions are exact when a stream is replaced:
// nothing already returned comes again, nothing is skipped.
// Other errors (NOT_FOUND, OUT_OF_RANGE, ...) end the subscription.
//
// Thread-safety: Start/Next/Recycle belong to the consuming thread; Cancel()
// may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clients/cpp/client.h"
#include "clients/cpp/reconnect_backoff.h"
#include "clients/cpp/subscribe_stream.h"

namespace eventlog::client {

class ResumingSubscription {
 public:
  using Positions = absl::flat_hash_map<int32_t, int64_t>;
  struct Options {
    int max_buffered = 8;  // responses read ahead, per stream
    bool resubscribe = false;
    // Hears each re-subscription (one line); may be empty.
    std::function<void(absl::string_view line)> log;
  };

  // `client` must outlive the subscription.
  ResumingSubscription(Client& client, Options options);
  // Cancels the streams and waits for them to end.
  ~ResumingSubscription();
  ResumingSubscription(const ResumingSubscription&) = delete;
  ResumingSubscription& operator=(const ResumingSubscription&) = delete;

  // Opens the first stream. Call once.
  void Start(const v1::SubscribeRequest& request);

  // The next response of any stream, waiting up to `timeout`; nullptr on
  // timeout. `positions`: the next offset to return per partition (used when
  // a stream is re-opened). An error ends the subscription: the first
  // stream error that is not retried, CANCELLED after Cancel().
  absl::StatusOr<std::unique_ptr<v1::SubscribeResponse>> Next(absl::Duration timeout,
                                                              const Positions& positions);
  // Gives a response back for reuse.
  void Recycle(std::unique_ptr<v1::SubscribeResponse> response);
  // Ends every stream. Idempotent.
  void Cancel();

 private:
  struct Stream {
    std::unique_ptr<SubscribeStream> call;
    std::vector<int32_t> partitions;  // as requested; empty = all (or a group's)
  };

  // Opens a stream for `request`.
  void Open(const v1::SubscribeRequest& request) ABSL_LOCKS_EXCLUDED(mu_);
  // Re-opens the broken partitions; UNAVAILABLE (and nothing opened) when the
  // partition count could not be read.
  absl::Status Resubscribe(const Positions& positions) ABSL_LOCKS_EXCLUDED(mu_);
  // A stream ended with `status`: schedules its re-opening, or returns the
  // error that ends the subscription.
  absl::Status OnStreamEnd(const Stream& stream, const absl::Status& status);
  void Ring();
  void Log(absl::string_view line) const;

  Client& client_;
  const Options options_;
  v1::SubscribeRequest request_;  // the original; set by Start

  absl::Mutex bell_mu_;
  uint64_t rings_ ABSL_GUARDED_BY(bell_mu_) = 0;  // responses queued, calls ended

  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Stream> streams_ ABSL_GUARDED_BY(mu_);

  // Consuming thread only.
  size_t next_stream_ = 0;  // round-robin start
  bool broken_ = false;     // partitions wait to be re-opened
  bool broken_all_ = false;
  std::vector<int32_t> broken_partitions_;
  ReconnectBackoff backoff_;  // when broken partitions may be re-opened
};

}  // namespace eventlog::client
