// EtcdClient: unary calls to an etcd v3 cluster (KV, transactions, leases)
// over its gRPC API, in the domain types of etcd_types.h. Watches and lease
// keepalives are streams with their own classes (Watcher, LeaseKeeper), which
// share this client's connection.
//
// Failure handling: one channel to every member (EtcdClientOptions::
// endpoints) with round-robin balancing, so a member that fails drops out and
// calls go to the others. Every call has a deadline (call_timeout) and waits
// within it for a reachable member. Reads are retried on UNAVAILABLE within
// that deadline. Writes (Put, Delete, transactions that write, Compact) are
// retried only when etcd proves it did not apply them (a member without a
// raft leader refuses before proposing); any other UNAVAILABLE or
// DEADLINE_EXCEEDED leaves a write's outcome unknown, and the caller re-reads
// and decides: with compare-and-swap transactions that is always safe.
//
// Thread-safe; calls may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "service/cluster/etcd/etcd_client_options.h"
#include "service/cluster/etcd/etcd_types.h"

namespace eventlog::etcd {

class EtcdConnection;

struct RangeOptions {
  // At most this many keys; 0: no limit (RangeResult::more says if cut).
  int64_t limit = 0;
  // Read the store as of this past revision; 0: the latest. OUT_OF_RANGE
  // if compacted away or in the future.
  int64_t revision = 0;
};

class EtcdClient {
 public:
  // Does not contact etcd (the first call connects). INVALID_ARGUMENT for a
  // malformed endpoint list, UNAVAILABLE for a host name that does not
  // resolve.
  static absl::StatusOr<std::unique_ptr<EtcdClient>> Create(const EtcdClientOptions& options);

  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  // Every method may also fail with UNAVAILABLE (no member could serve it)
  // or DEADLINE_EXCEEDED (call_timeout passed); see the header comment for
  // what that means for writes.

  // A linearizable read of one key or a range.
  absl::StatusOr<RangeResult> Range(const KeyRange& range, const RangeOptions& options = {});

  // Writes `key`, bound to `lease` if not 0 (NOT_FOUND if no such lease).
  absl::StatusOr<PutResult> Put(absl::string_view key, absl::string_view value, int64_t lease = 0);

  absl::StatusOr<DeleteResult> Delete(const KeyRange& range);

  // Runs the transaction (see TxnRequest). A failed compare is not an error:
  // TxnResult::succeeded is false and the else-ops ran. INVALID_ARGUMENT if
  // a branch writes a key twice; NOT_FOUND for a put bound to a missing lease.
  absl::StatusOr<TxnResult> Txn(const TxnRequest& txn);

  // Discards the history before `revision` (watches and reads from older
  // revisions then get OUT_OF_RANGE). OUT_OF_RANGE if already compacted at
  // or past it, or beyond the current revision.
  absl::Status Compact(int64_t revision);

  // A new lease of `ttl_seconds` (etcd raises it to its minimum, ~2 s with
  // default settings). It expires unless kept alive (LeaseKeeper); its keys
  // go with it.
  absl::StatusOr<GrantedLease> GrantLease(int64_t ttl_seconds);

  // Ends the lease now and deletes its keys. NOT_FOUND if it does not exist
  // (expired, or already revoked).
  absl::Status RevokeLease(int64_t lease);

  // The lease's remaining time (ttl_seconds -1 if it does not exist) and,
  // if `with_keys`, the keys bound to it.
  absl::StatusOr<LeaseInfo> LeaseTimeToLive(int64_t lease, bool with_keys = false);

  // For Watcher and LeaseKeeper (internal type).
  const EtcdConnection& connection() const { return *connection_; }
  const EtcdClientOptions& options() const;

 private:
  explicit EtcdClient(std::unique_ptr<EtcdConnection> connection);

  std::unique_ptr<EtcdConnection> connection_;
};

}  // namespace eventlog::etcd
