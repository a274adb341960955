// RejectedStreamReactor: a bidirectional-stream reactor that ends its call at
// once with a given status, for streams refused before they start (e.g.
// UNAUTHENTICATED). Deletes itself in OnDone.
//
// Thread-safe: the status is fixed at construction; gRPC calls OnDone once.
#pragma once

#include <grpcpp/support/server_callback.h>

namespace eventlog::service {

template <typename Request, typename Response>
class RejectedStreamReactor : public grpc::ServerBidiReactor<Request, Response> {
 public:
  // Create with new; the reactor owns itself from here.
  explicit RejectedStreamReactor(const grpc::Status& status) { this->Finish(status); }

  void OnDone() override { delete this; }
};

}  // namespace eventlog::service
