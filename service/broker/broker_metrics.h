// BrokerMetrics: the broker core's own figures for metrics: per topic, its
// TopicCounters; server-wide, the payload bytes handed to Subscribe streams
// and not yet written (one message per stream at most). Offsets, sizes,
// groups and lag are not kept here: they are read from the store and the
// coordinator when metrics are collected.
//
// Hot paths look a topic's counters up once per request (Produce, Fetch) or
// once per subscription: one shared lock and a hash lookup, then relaxed
// atomic adds.
//
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/topic_counters.h"
#include "storage/util/metrics/gauge.h"

namespace eventlog::broker {

class BrokerMetrics {
 public:
  // The counters of `topic`, created on first use. Never null.
  std::shared_ptr<TopicCounters> ForTopic(absl::string_view topic);

  // The counters of `topic`, or null if it has had none (readers: nothing
  // is created).
  std::shared_ptr<const TopicCounters> Find(absl::string_view topic) const;

  // Drops a deleted topic's counters (holders keep theirs; a new topic of
  // the same name starts from zero, which Prometheus reads as a reset).
  void ForgetTopic(absl::string_view topic);

  // Every topic's counters, by name.
  std::vector<std::pair<std::string, std::shared_ptr<const TopicCounters>>> Topics() const;

  metrics::Gauge& subscription_buffered_bytes() { return subscription_buffered_bytes_; }
  const metrics::Gauge& subscription_buffered_bytes() const { return subscription_buffered_bytes_; }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<TopicCounters>> topics_ ABSL_GUARDED_BY(mu_);
  metrics::Gauge subscription_buffered_bytes_;
};

}  // namespace eventlog::broker
