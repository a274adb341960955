// The etcd v3 data model as plain structs: keys and key ranges, key-value
// pairs with their revisions, transaction compares and operations, leases and
// watch events. EtcdClient, Watcher, LeaseKeeper and LeaderElection speak
// these; the protobuf messages stay inside etcd_proto_convert.cc.
//
// Revisions: etcd numbers every change to its store with one cluster-wide,
// increasing revision. A read reports the revision it saw (`revision`); a
// watch from that revision + 1 sees exactly the changes made after the read.
//
// Value types; not synchronized.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"

namespace eventlog::etcd {

// One key, or the keys in [key, range_end).
struct KeyRange {
  std::string key;
  // Empty: `key` alone. "\0" (one zero byte): every key >= `key`.
  std::string range_end;

  static KeyRange Key(absl::string_view key);
  // Every key that starts with `prefix`; all keys if `prefix` is empty.
  static KeyRange Prefix(absl::string_view prefix);
};

struct KeyValue {
  std::string key;
  std::string value;
  // The revision that created the key (its first put since it last did not
  // exist); 0 in a compare means "the key does not exist".
  int64_t create_revision = 0;
  // The revision of the key's last put.
  int64_t mod_revision = 0;
  // Puts since creation: 1 for a new key.
  int64_t version = 0;
  // The lease the key is bound to; 0: none.
  int64_t lease = 0;
};

struct RangeResult {
  // The store's revision when the read was served.
  int64_t revision = 0;
  // In key order.
  std::vector<KeyValue> kvs;
  // Keys in the range; more than kvs.size() when a limit cut the result.
  int64_t count = 0;
  bool more = false;
};

struct PutResult {
  // The revision of this put.
  int64_t revision = 0;
};

struct DeleteResult {
  // The store's revision after the delete (unchanged if nothing was deleted).
  int64_t revision = 0;
  int64_t deleted = 0;
};

// A condition of a transaction on one key's value, version, create revision,
// mod revision or lease. A key that does not exist has version,
// create_revision, mod_revision and lease 0 and an empty value.
struct Compare {
  enum class Target { kValue, kVersion, kCreateRevision, kModRevision, kLease };
  enum class Op { kEqual, kNotEqual, kLess, kGreater };

  std::string key;
  Target target = Target::kVersion;
  Op op = Op::kEqual;
  std::string value;   // for kValue
  int64_t number = 0;  // for the other targets

  static Compare Value(absl::string_view key, Op op, absl::string_view value);
  static Compare Version(absl::string_view key, Op op, int64_t version);
  static Compare CreateRevision(absl::string_view key, Op op, int64_t revision);
  static Compare ModRevision(absl::string_view key, Op op, int64_t revision);
  static Compare Lease(absl::string_view key, Op op, int64_t lease);
  // Holds while `key` does not exist (create revision 0): compare-and-create.
  static Compare Missing(absl::string_view key);
  // Holds while `key` was last written at `mod_revision`: compare-and-swap
  // against a value read earlier.
  static Compare Unchanged(absl::string_view key, int64_t mod_revision);
};

// One operation of a transaction branch.
struct TxnOp {
  enum class Type { kGet, kPut, kDelete };

  Type type = Type::kGet;
  KeyRange range;  // kPut: range.key only
  std::string value;
  int64_t lease = 0;

  static TxnOp Get(KeyRange range);
  static TxnOp Put(absl::string_view key, absl::string_view value, int64_t lease = 0);
  static TxnOp Delete(KeyRange range);
};

// If every compare holds, the then_ops run, else the else_ops; atomically,
// at one revision. etcd refuses (INVALID_ARGUMENT) a branch that writes the
// same key twice.
struct TxnRequest {
  std::vector<Compare> compares;
  std::vector<TxnOp> then_ops;
  std::vector<TxnOp> else_ops;
};

// The result of one TxnOp, of the matching alternative (kGet: RangeResult).
using TxnOpResult = std::variant<RangeResult, PutResult, DeleteResult>;

struct TxnResult {
  // Every compare held (the then_ops ran).
  bool succeeded = false;
  // The store's revision after the transaction.
  int64_t revision = 0;
  // One per operation of the branch that ran, in order.
  std::vector<TxnOpResult> results;
};

struct GrantedLease {
  int64_t id = 0;
  // What etcd granted: at least its minimum (about 1.5 election timeouts).
  int64_t ttl_seconds = 0;
};

struct LeaseInfo {
  int64_t id = 0;
  // Seconds left; -1 if the lease has expired or was revoked.
  int64_t ttl_seconds = -1;
  int64_t granted_ttl_seconds = 0;
  // The keys bound to it (only when asked for).
  std::vector<std::string> keys;
};

struct WatchEvent {
  enum class Type { kPut, kDelete };

  Type type = Type::kPut;
  // kPut: the key as written. kDelete: the key, with mod_revision the
  // revision of the delete and the other fields 0 / empty.
  KeyValue kv;
};

}  // namespace eventlog::etcd
