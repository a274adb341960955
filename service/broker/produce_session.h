// ProduceSession: the produce requests of one client stream (ProduceStream)
// that a broker forwards to other leaders. Requests of one session to one
// leader travel on one ordered stream, so that records a client pipelines
// into a partition are appended in the order it sent them, as they are on
// the leader itself. Made by RemotePartitions::NewProduceSession; opaque to
// the core.
//
// Thread-safe. Destroy it only when no request given to it is pending.
#pragma once

namespace eventlog::broker {

class ProduceSession {
 public:
  virtual ~ProduceSession() = default;
};

}  // namespace eventlog::broker
