// ConsoleApi: the read-only JSON API behind the web console, served under
// /api/v1/. Everything goes through the broker core (DescribeTopic, Fetch,
// DescribeGroup, ...), never the store, and every answer honours the ACLs
// as the gRPC API does: lists show what the caller may see, pages need read
// access to their topic or group.
//
//   overview                       version, revision, broker id, who the
//                                  caller is
//   topics                         every visible topic: partitions, size,
//                                  records stored, counters (the console
//                                  derives rates from successive polls)
//   topic?name=T                   config and per-partition offsets and size
//   groups                         every visible group: generation, members, lag
//   group?name=G                   members and assignments, lag per partition
//   records?topic=T&partition=P[&offset=O][&limit=N]
//                                  up to N (default 20, at most 200) records
//                                  from O (default: the newest N); keys,
//                                  values and header values in base64
//
// Thread-safe (the broker is); handlers do not block on data (Fetch without
// a long poll).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "service/broker/broker.h"
#include "service/ops/http_access.h"
#include "service/ops/http_reply.h"

namespace eventlog::ops {

class ConsoleApi {
 public:
  using Params = std::map<std::string, std::string>;

  // `broker` and `access` must outlive this object. `broker_id`: this
  // broker's id, in the overview (which broker of a cluster answers).
  ConsoleApi(const broker::Broker* broker, const HttpAccess* access, int32_t broker_id = 0)
      : broker_(broker), access_(access), broker_id_(broker_id) {}

  // Answers GET /api/v1/`endpoint` for `principal` (already authenticated)
  // with query `params`; 404 for an unknown endpoint.
  HttpReply Handle(absl::string_view endpoint, absl::string_view principal,
                   const Params& params) const;

 private:
  HttpReply Overview(absl::string_view principal) const;
  HttpReply Topics(absl::string_view principal) const;
  HttpReply Topic(absl::string_view principal, const Params& params) const;
  HttpReply Groups(absl::string_view principal) const;
  HttpReply Group(absl::string_view principal, const Params& params) const;
  HttpReply Records(absl::string_view principal, const Params& params) const;

  const broker::Broker* const broker_;
  const HttpAccess* const access_;
  const int32_t broker_id_;
};

}  // namespace eventlog::ops
