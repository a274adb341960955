// TopicCounters: what the broker moved through one topic since it started:
// records and payload bytes (keys, values and headers) produced, and read by
// Fetch and delivered by Subscribe. Counted once per request or batch,
// never per record.
//
// Thread-safe (atomic counters).
#pragma once

#include "storage/util/metrics/counter.h"

namespace eventlog::broker {

struct TopicCounters {
  metrics::Counter records_produced;
  metrics::Counter bytes_produced;
  metrics::Counter records_fetched;
  metrics::Counter bytes_fetched;
  metrics::Counter records_delivered;  // Subscribe
  metrics::Counter bytes_delivered;
};

}  // namespace eventlog::broker
