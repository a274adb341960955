// LeaderRouter: the leaders of one topic's partitions, from GetMetadata, and
// one channel per broker address, so that a Producer sends each partition's
// batches straight to its leader (as Kafka clients do) instead of through
// the broker its Client reached, which would forward them (docs/CLUSTER.md,
// "Forward or redirect").
//
// Routing is an optimisation: every broker accepts every call, so whenever
// the leader is not known (a partition without a leader, a broker whose
// stream just failed, a single broker, a broker too old for GetMetadata)
// Lookup() answers "" and the producer uses its Client's channel, exactly as
// without routing.
//
// Metadata is read at Create(), then again by a thread of its own when it is
// older than max_age and soon after Invalidate() (a failed stream, an
// UNAVAILABLE answer), at most once per backoff: Kafka's
// metadata.max.age.ms and retry.backoff.ms.
//
// Thread-safe. Lookup() and Channel() never block on the network.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clients/cpp/client.h"
#include "grpcpp/channel.h"

namespace eventlog::client {

class LeaderRouter {
 public:
  struct Options {
    absl::Duration max_age = absl::Seconds(30);
    absl::Duration backoff = absl::Milliseconds(200);
    // How long an address whose stream failed is not routed to. Short: a
    // restarted leader is used again soon, and a dead one is named by the
    // metadata only until its lease expires.
    absl::Duration down = absl::Seconds(1);
  };

  // Reads the topic's metadata once through `client` (which must outlive
  // the router) and starts the refresh thread.
  static std::unique_ptr<LeaderRouter> Create(Client& client, absl::string_view topic,
                                              Options options);
  static std::unique_ptr<LeaderRouter> Create(Client& client, absl::string_view topic) {
    return Create(client, topic, Options());
  }
  // Stops the refresh thread.
  ~LeaderRouter();
  LeaderRouter(const LeaderRouter&) = delete;
  LeaderRouter& operator=(const LeaderRouter&) = delete;

  // The address of the partition's leader, or "": use the Client's channel.
  std::string Lookup(int32_t partition) const;
  // The channel to `address` (made once, with the Client's options).
  std::shared_ptr<grpc::Channel> Channel(const std::string& address);
  // Reads metadata again soon; when `failed_address` is not empty, routes
  // nothing there for Options::down.
  void Invalidate(const std::string& failed_address = "");

  // Successful metadata reads so far (for tests).
  int64_t refreshes() const;

 private:
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  // Use Create().
  LeaderRouter(PrivateTag, Client& client, std::string topic, Options options);

 private:
  void Refresh();
  void RefreshLoop();

  Client& client_;
  const std::string topic_;
  const Options options_;

  mutable absl::Mutex mu_;
  std::vector<std::string> leaders_ ABSL_GUARDED_BY(mu_);  // by partition; "" = none known
  absl::flat_hash_map<std::string, absl::Time> down_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<grpc::Channel>> channels_ ABSL_GUARDED_BY(mu_);
  absl::Time read_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool stale_ ABSL_GUARDED_BY(mu_) = false;
  bool enabled_ ABSL_GUARDED_BY(mu_) = true;  // false after UNIMPLEMENTED
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t refreshes_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace eventlog::client
