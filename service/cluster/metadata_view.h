// MetadataView: a broker's copy of the cluster metadata (ClusterState),
// kept in step with etcd by a RangeMirror on the cluster's prefix: a read,
// then every change from the read's revision + 1. Each change makes a new
// immutable snapshot that readers take without locks held for long
// (current()).
//
// Before a snapshot is published, the `apply` hook brings the broker's local
// state in line with it (LocalTopics: create and delete local topics), so
// that whatever a snapshot says this broker leads exists locally. Listeners
// run after each publish.
//
// Thread-safe. Hooks and listeners run one at a time on the mirror's
// threads; they may block and call etcd, but must not call Stop().
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/cluster/cluster_keys.h"
#include "service/cluster/cluster_state.h"
#include "service/cluster/etcd/etcd_client.h"
#include "service/cluster/etcd/range_mirror.h"

namespace eventlog::cluster {

class MetadataView {
 public:
  using Hook = absl::AnyInvocable<void(const ClusterState& state)>;

  // Reads the prefix, runs `apply` and publishes the first snapshot before
  // returning, then follows etcd. `client` must outlive the view. The
  // errors of EtcdClient::Range.
  static absl::StatusOr<std::unique_ptr<MetadataView>> Start(etcd::EtcdClient* client,
                                                             const ClusterKeys& keys, Hook apply);

  ~MetadataView();
  MetadataView(const MetadataView&) = delete;
  MetadataView& operator=(const MetadataView&) = delete;

  // The latest snapshot.
  std::shared_ptr<const ClusterState> current() const;

  // Runs `listener` after every later publish.
  void AddListener(Hook listener);

  // Blocks until a snapshot of `revision` or later is published;
  // DEADLINE_EXCEEDED after `timeout`.
  absl::Status WaitForRevision(int64_t revision, absl::Duration timeout) const;

  // Blocks until a snapshot newer than `revision` is published, or
  // `timeout` passes; returns the latest snapshot.
  std::shared_ptr<const ClusterState> WaitForChange(int64_t revision, absl::Duration timeout) const;

  // Stops following etcd (the last snapshot stays). Idempotent.
  void Stop();

 private:
  MetadataView(const ClusterKeys& keys, Hook apply);
  // Runs `apply` on `next`, publishes it and runs the listeners.
  void Publish(ClusterState next);

  const ClusterKeys keys_;
  Hook apply_;
  // The mirror's copy, changed by its callbacks only.
  ClusterState working_;
  std::unique_ptr<etcd::RangeMirror> mirror_;

  mutable absl::Mutex mu_;
  mutable absl::CondVar published_;
  std::shared_ptr<const ClusterState> current_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Hook>> listeners_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::cluster
