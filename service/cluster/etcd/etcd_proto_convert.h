// Conversions between the domain structs of etcd_types.h and etcd's protobuf
// messages, and from gRPC statuses to absl::Status: the only place the two
// meet. Internal to service/cluster/etcd.
//
// Stateless; thread-safe.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "etcd/etcdserver/etcdserverpb/rpc.pb.h"
#include "etcd/mvcc/mvccpb/kv.pb.h"
#include "service/cluster/etcd/etcd_types.h"

namespace eventlog::etcd {

// Same code (absl's and gRPC's are numbered alike), same message. etcd's
// own errors keep their text ("etcdserver: no leader", "etcdserver: mvcc:
// required revision has been compacted") and codes: UNAVAILABLE for leader
// trouble and timeouts, OUT_OF_RANGE for compacted or future revisions,
// NOT_FOUND for a missing lease, INVALID_ARGUMENT for a malformed request.
absl::Status FromGrpcStatus(const grpc::Status& status);

// True if etcd refused the request before proposing it to raft, so it was
// certainly not applied and may be sent again: a member without a raft
// leader, asked with the require-leader metadata (etcd_connection.cc).
bool RefusedForNoLeader(const absl::Status& status);

KeyValue FromProto(const mvccpb::KeyValue& kv);
WatchEvent FromProto(const mvccpb::Event& event);
RangeResult FromProto(const etcdserverpb::RangeResponse& response);
PutResult FromProto(const etcdserverpb::PutResponse& response);
DeleteResult FromProto(const etcdserverpb::DeleteRangeResponse& response);
TxnResult FromProto(const etcdserverpb::TxnResponse& response);

void ToProto(const KeyRange& range, etcdserverpb::RangeRequest* request);
void ToProto(const KeyRange& range, etcdserverpb::DeleteRangeRequest* request);
void ToProto(const TxnRequest& txn, etcdserverpb::TxnRequest* request);

}  // namespace eventlog::etcd
