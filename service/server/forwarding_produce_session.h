// ForwardingProduceSession: the broker::ProduceSession of one client
// ProduceStream: one ProduceForwardStream per leader it forwards to, opened
// on first use and again after one fails, so that the stream's requests for
// a partition reach its leader in the order the client sent them.
//
// Thread-safe. The destructor half-closes the streams (they end when their
// leaders have answered).
#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/produce_session.h"
#include "service/broker/produce_types.h"
#include "service/server/broker_channels.h"
#include "service/server/produce_forward_stream.h"

namespace eventlog::service {

class ForwardingProduceSession final : public broker::ProduceSession {
 public:
  // `channels` must outlive the session.
  explicit ForwardingProduceSession(BrokerChannels* channels) : channels_(channels) {}
  ~ForwardingProduceSession() override;

  // Sends `request` (already converted) to the leader at `address`.
  void Send(const std::string& address, eventlog::v1::ProduceRequest request,
            broker::ProduceCallback done);

 private:
  BrokerChannels* const channels_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<ProduceForwardStream>> streams_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::service
