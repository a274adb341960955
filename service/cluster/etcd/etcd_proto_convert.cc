#include "service/cluster/etcd/etcd_proto_convert.h"

#include <string>

namespace eventlog::etcd {
namespace {

static_assert(static_cast<int>(absl::StatusCode::kUnavailable) ==
              static_cast<int>(grpc::StatusCode::UNAVAILABLE));
static_assert(static_cast<int>(absl::StatusCode::kUnauthenticated) ==
              static_cast<int>(grpc::StatusCode::UNAUTHENTICATED));

// etcd's rpctypes.ErrGRPCNoLeader.
constexpr char kNoLeaderMessage[] = "etcdserver: no leader";

etcdserverpb::Compare::CompareResult CompareResultOf(Compare::Op op) {
  switch (op) {
    case Compare::Op::kEqual:
      return etcdserverpb::Compare::EQUAL;
    case Compare::Op::kNotEqual:
      return etcdserverpb::Compare::NOT_EQUAL;
    case Compare::Op::kLess:
      return etcdserverpb::Compare::LESS;
    case Compare::Op::kGreater:
      return etcdserverpb::Compare::GREATER;
  }
  return etcdserverpb::Compare::EQUAL;
}

void ToCompareProto(const Compare& compare, etcdserverpb::Compare* out) {
  out->set_key(compare.key);
  out->set_result(CompareResultOf(compare.op));
  switch (compare.target) {
    case Compare::Target::kValue:
      out->set_target(etcdserverpb::Compare::VALUE);
      out->set_value(compare.value);
      break;
    case Compare::Target::kVersion:
      out->set_target(etcdserverpb::Compare::VERSION);
      out->set_version(compare.number);
      break;
    case Compare::Target::kCreateRevision:
      out->set_target(etcdserverpb::Compare::CREATE);
      out->set_create_revision(compare.number);
      break;
    case Compare::Target::kModRevision:
      out->set_target(etcdserverpb::Compare::MOD);
      out->set_mod_revision(compare.number);
      break;
    case Compare::Target::kLease:
      out->set_target(etcdserverpb::Compare::LEASE);
      out->set_lease(compare.number);
      break;
  }
}

void ToRequestOp(const TxnOp& op, etcdserverpb::RequestOp* out) {
  switch (op.type) {
    case TxnOp::Type::kGet:
      ToProto(op.range, out->mutable_request_range());
      break;
    case TxnOp::Type::kPut: {
      etcdserverpb::PutRequest* put = out->mutable_request_put();
      put->set_key(op.range.key);
      put->set_value(op.value);
      put->set_lease(op.lease);
      break;
    }
    case TxnOp::Type::kDelete:
      ToProto(op.range, out->mutable_request_delete_range());
      break;
  }
}

TxnOpResult FromResponseOp(const etcdserverpb::ResponseOp& response) {
  switch (response.response_case()) {
    case etcdserverpb::ResponseOp::kResponsePut:
      return FromProto(response.response_put());
    case etcdserverpb::ResponseOp::kResponseDeleteRange:
      return FromProto(response.response_delete_range());
    case etcdserverpb::ResponseOp::kResponseRange:
    default:  // nested transactions are never sent
      return FromProto(response.response_range());
  }
}

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

bool RefusedForNoLeader(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable && status.message() == kNoLeaderMessage;
}

KeyValue FromProto(const mvccpb::KeyValue& kv) {
  KeyValue out;
  out.key = kv.key();
  out.value = kv.value();
  out.create_revision = kv.create_revision();
  out.mod_revision = kv.mod_revision();
  out.version = kv.version();
  out.lease = kv.lease();
  return out;
}

WatchEvent FromProto(const mvccpb::Event& event) {
  WatchEvent out;
  out.type =
      event.type() == mvccpb::Event::DELETE ? WatchEvent::Type::kDelete : WatchEvent::Type::kPut;
  out.kv = FromProto(event.kv());
  return out;
}

RangeResult FromProto(const etcdserverpb::RangeResponse& response) {
  RangeResult out;
  out.revision = response.header().revision();
  out.kvs.reserve(response.kvs_size());
  for (const mvccpb::KeyValue& kv : response.kvs()) out.kvs.push_back(FromProto(kv));
  out.count = response.count();
  out.more = response.more();
  return out;
}

PutResult FromProto(const etcdserverpb::PutResponse& response) {
  return PutResult{response.header().revision()};
}

DeleteResult FromProto(const etcdserverpb::DeleteRangeResponse& response) {
  return DeleteResult{response.header().revision(), response.deleted()};
}

TxnResult FromProto(const etcdserverpb::TxnResponse& response) {
  TxnResult out;
  out.succeeded = response.succeeded();
  out.revision = response.header().revision();
  out.results.reserve(response.responses_size());
  for (const etcdserverpb::ResponseOp& op : response.responses()) {
    out.results.push_back(FromResponseOp(op));
  }
  return out;
}

void ToProto(const KeyRange& range, etcdserverpb::RangeRequest* request) {
  request->set_key(range.key);
  request->set_range_end(range.range_end);
}

void ToProto(const KeyRange& range, etcdserverpb::DeleteRangeRequest* request) {
  request->set_key(range.key);
  request->set_range_end(range.range_end);
}

void ToProto(const TxnRequest& txn, etcdserverpb::TxnRequest* request) {
  for (const Compare& compare : txn.compares) ToCompareProto(compare, request->add_compare());
  for (const TxnOp& op : txn.then_ops) ToRequestOp(op, request->add_success());
  for (const TxnOp& op : txn.else_ops) ToRequestOp(op, request->add_failure());
}

}  // namespace eventlog::etcd
