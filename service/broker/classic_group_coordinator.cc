#include "service/broker/classic_group_coordinator.h"

#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "service/broker/validation.h"
#include "storage/util/error_reason.h"

namespace eventlog::broker {
namespace {

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

std::string ProcessNonce() {
  std::random_device random;
  return absl::StrFormat("%08x", random());
}

void RunAll(ClassicGroup::Completions& completions) {
  for (auto& completion : completions) completion();
}

absl::Status ShutDownError() {
  return absl::UnavailableError("the broker is shutting down; find the coordinator again");
}

}  // namespace

ClassicGroupCoordinator::ClassicGroupCoordinator(const Options& options,
                                                 storage::OffsetStore* epochs,
                                                 const GroupCoordinator* eventlog_groups)
    : options_(options),
      epochs_(epochs),
      eventlog_groups_(eventlog_groups),
      member_prefix_(ProcessNonce()) {
  ticker_ = std::thread([this] { Run(); });
}

ClassicGroupCoordinator::~ClassicGroupCoordinator() {
  Shutdown();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  ticker_.join();
}

ClassicGroup& ClassicGroupCoordinator::GroupLocked(const std::string& name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) {
    it = groups_
             .try_emplace(name, name, 0, options_.initial_rebalance_delay_ms,
                          [this](const std::string& group, int64_t generation) {
                            // A failure latches the store, and the broker stops.
                            if (epochs_ != nullptr) (void)epochs_->SaveGroupEpoch(group, generation);
                          })
             .first;
  }
  if (it->second.empty() && epochs_ != nullptr) {
    // The epoch may have moved while the group was served elsewhere.
    absl::StatusOr<int64_t> epoch = epochs_->GroupEpoch(name);
    if (epoch.ok()) it->second.RaiseGeneration(*epoch);
  }
  return it->second;
}

void ClassicGroupCoordinator::Join(ClassicJoinRequest request, ClassicJoinCallback done) {
  if (absl::Status valid = ValidateGroupName(request.group); !valid.ok()) return done(valid);
  if (request.session_timeout_ms < options_.min_session_timeout_ms ||
      request.session_timeout_ms > options_.max_session_timeout_ms) {
    return done(util::WithReason(
        absl::InvalidArgumentError(absl::StrCat(
            "session timeout ", request.session_timeout_ms, " ms is outside the broker's range [",
            options_.min_session_timeout_ms, ", ", options_.max_session_timeout_ms, "] ms")),
        util::ErrorReason::kInvalidSessionTimeout));
  }
  if (request.rebalance_timeout_ms <= 0) request.rebalance_timeout_ms = request.session_timeout_ms;
  ClassicGroup::Completions completions;
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) {
      done(ShutDownError());
      return;
    }
    if (eventlog_groups_ != nullptr && eventlog_groups_->HasMembers(request.group)) {
      // Answered below, without the lock.
      completions.push_back([done = std::move(done), group = request.group]() mutable {
        done(util::WithReason(
            absl::FailedPreconditionError(absl::StrCat(
                "group \"", group,
                "\" has eventlog members (gRPC Subscribe); a group is served by one protocol at "
                "a time: use another group name, or wait until they leave")),
            util::ErrorReason::kInconsistentGroupProtocol));
      });
    } else {
      ClassicGroup& group = GroupLocked(request.group);
      const bool known = !request.member_id.empty();
      if (!known) {
        request.member_id =
            absl::StrCat(request.client_id.empty() ? "consumer" : request.client_id, "-",
                         member_prefix_, "-", ++next_member_);
      }
      group.Join(std::move(request), known, std::move(done), NowMs(), &completions);
    }
  }
  RunAll(completions);
}

void ClassicGroupCoordinator::Sync(ClassicSyncRequest request, ClassicSyncCallback done) {
  ClassicGroup::Completions completions;
  {
    absl::MutexLock lock(&mu_);
    auto it = groups_.find(request.group);
    if (shut_down_ || it == groups_.end()) {
      const bool shut_down = shut_down_;
      completions.push_back([done = std::move(done), shut_down, request]() mutable {
        done(shut_down ? ShutDownError()
                       : util::WithReason(absl::NotFoundError(absl::StrCat(
                                              "group \"", request.group, "\" has no members")),
                                          util::ErrorReason::kUnknownMember));
      });
    } else {
      it->second.Sync(std::move(request), std::move(done), NowMs(), &completions);
    }
  }
  RunAll(completions);
}

absl::Status ClassicGroupCoordinator::Heartbeat(const std::string& group,
                                                const std::string& member_id,
                                                int64_t generation) {
  absl::MutexLock lock(&mu_);
  auto it = groups_.find(group);
  if (it == groups_.end()) {
    return util::WithReason(
        absl::NotFoundError(absl::StrCat("group \"", group, "\" has no members; rejoin")),
        util::ErrorReason::kUnknownMember);
  }
  return it->second.Heartbeat(member_id, generation, NowMs());
}

absl::Status ClassicGroupCoordinator::Leave(const std::string& group,
                                            const std::string& member_id) {
  ClassicGroup::Completions completions;
  absl::Status status;
  {
    absl::MutexLock lock(&mu_);
    auto it = groups_.find(group);
    if (it == groups_.end()) {
      status = util::WithReason(
          absl::NotFoundError(absl::StrCat("group \"", group, "\" has no members")),
          util::ErrorReason::kUnknownMember);
    } else {
      status = it->second.Leave(member_id, NowMs(), &completions);
    }
  }
  RunAll(completions);
  return status;
}

absl::Status ClassicGroupCoordinator::CommitIfAllowed(const std::string& group,
                                                      int64_t generation,
                                                      const std::string& member_id,
                                                      absl::FunctionRef<absl::Status()> write) {
  absl::MutexLock lock(&mu_);
  auto it = groups_.find(group);
  if (it == groups_.end()) {
    if (generation == 0) return write();
    return util::WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "commit for group \"", group, "\" carries generation ", generation,
            " but the group has no members: rejoin, or commit as a consumer outside the group")),
        util::ErrorReason::kUnknownMember);
  }
  if (absl::Status allowed = it->second.CheckCommit(generation, member_id, NowMs());
      !allowed.ok()) {
    return allowed;
  }
  return write();
}

bool ClassicGroupCoordinator::HasMembers(absl::string_view group) const {
  absl::MutexLock lock(&mu_);
  auto it = groups_.find(group);
  return it != groups_.end() && !it->second.empty();
}

std::optional<ClassicGroupInfo> ClassicGroupCoordinator::Describe(absl::string_view group) const {
  absl::MutexLock lock(&mu_);
  auto it = groups_.find(group);
  if (it == groups_.end() || it->second.empty()) return std::nullopt;
  return it->second.Describe();
}

std::vector<ClassicGroupInfo> ClassicGroupCoordinator::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<ClassicGroupInfo> groups;
  for (const auto& [name, group] : groups_) {
    if (!group.empty()) groups.push_back(group.Describe());
  }
  return groups;
}

void ClassicGroupCoordinator::Shutdown() {
  ClassicGroup::Completions completions;
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
    for (auto& [name, group] : groups_) group.FailPending(ShutDownError(), &completions);
  }
  RunAll(completions);
}

void ClassicGroupCoordinator::Run() {
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                               absl::Milliseconds(options_.tick_ms))) {
    ClassicGroup::Completions completions;
    const int64_t now = NowMs();
    for (auto it = groups_.begin(); it != groups_.end();) {
      it->second.Tick(now, &completions);
      // An empty group keeps nothing that is not persisted (its epoch).
      if (it->second.empty() && it->second.state() == ClassicGroup::State::kEmpty) {
        groups_.erase(it++);
      } else {
        ++it;
      }
    }
    if (completions.empty()) continue;
    mu_.Unlock();
    RunAll(completions);
    mu_.Lock();
  }
}

}  // namespace eventlog::broker
