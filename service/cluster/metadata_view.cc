#include "service/cluster/metadata_view.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/util/status_macros.h"

namespace eventlog::cluster {

absl::StatusOr<std::unique_ptr<MetadataView>> MetadataView::Start(etcd::EtcdClient* client,
                                                                  const ClusterKeys& keys,
                                                                  Hook apply) {
  std::unique_ptr<MetadataView> view(new MetadataView(keys, std::move(apply)));
  MetadataView* self = view.get();
  etcd::RangeMirrorOptions options;
  options.range = etcd::KeyRange::Prefix(keys.Root());
  options.on_reset = [self](const etcd::RangeResult& snapshot) {
    self->working_.Reset(self->keys_, snapshot);
    self->Publish(self->working_);
  };
  options.on_events = [self](const std::vector<etcd::WatchEvent>& events) {
    self->working_.Apply(self->keys_, events);
    self->Publish(self->working_);
  };
  ASSIGN_OR_RETURN(view->mirror_, etcd::RangeMirror::Start(client, std::move(options)));
  return view;
}

MetadataView::MetadataView(const ClusterKeys& keys, Hook apply)
    : keys_(keys), apply_(std::move(apply)), current_(std::make_shared<ClusterState>()) {}

MetadataView::~MetadataView() { Stop(); }

void MetadataView::Stop() {
  if (mirror_ != nullptr) mirror_->Stop();
}

void MetadataView::Publish(ClusterState next) {
  if (apply_) apply_(next);
  auto snapshot = std::make_shared<const ClusterState>(std::move(next));
  std::vector<std::shared_ptr<Hook>> listeners;
  {
    absl::MutexLock lock(&mu_);
    current_ = snapshot;
    published_.SignalAll();
    listeners = listeners_;
  }
  for (const std::shared_ptr<Hook>& listener : listeners) (*listener)(*snapshot);
}

std::shared_ptr<const ClusterState> MetadataView::current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

void MetadataView::AddListener(Hook listener) {
  absl::MutexLock lock(&mu_);
  listeners_.push_back(std::make_shared<Hook>(std::move(listener)));
}

absl::Status MetadataView::WaitForRevision(int64_t revision, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (current_->revision() < revision) {
    if (published_.WaitWithDeadline(&mu_, deadline) && current_->revision() < revision) {
      return absl::DeadlineExceededError(
          absl::StrCat("the cluster metadata did not reach revision ", revision, " within ",
                       absl::FormatDuration(timeout), " (at ", current_->revision(), ")"));
    }
  }
  return absl::OkStatus();
}

std::shared_ptr<const ClusterState> MetadataView::WaitForChange(int64_t revision,
                                                                absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (current_->revision() <= revision) {
    if (published_.WaitWithDeadline(&mu_, deadline)) break;
  }
  return current_;
}

}  // namespace eventlog::cluster
