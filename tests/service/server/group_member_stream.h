// GroupMemberStream: a test client for one Subscribe stream (group mode or
// not). A thread reads the stream and records what arrives; tests wait for
// conditions on it (an assignment, a number of records) with a safety
// deadline that only stops a broken test from hanging.
#pragma once

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "eventlog/v1/eventlog.grpc.pb.h"

namespace eventlog::service::testing {

class GroupMemberStream {
 public:
  GroupMemberStream(eventlog::v1::EventLog::Stub* stub,
                    const eventlog::v1::SubscribeRequest& request)
      : group_mode_(!request.group().empty()), reader_(stub->Subscribe(&context_, request)) {
    reader_->WaitForInitialMetadata();
    thread_ = std::thread([this] { ReadAll(); });
  }
  ~GroupMemberStream() {
    context_.TryCancel();
    thread_.join();
  }

  GroupMemberStream(const GroupMemberStream&) = delete;
  GroupMemberStream& operator=(const GroupMemberStream&) = delete;

  void Cancel() { context_.TryCancel(); }

  // The stream's final status, once it ended (waits for that).
  grpc::Status WaitForEnd() {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&ended_), kPatience);
    return status_;
  }

  // Waits until `predicate` holds for the latest assignment (nullopt before
  // the first); returns that assignment.
  template <typename Predicate>
  std::optional<eventlog::v1::Assignment> WaitForAssignment(Predicate predicate) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return ended_ || (assignment_.has_value() && predicate(*assignment_));
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), kPatience);
    return assignment_;
  }

  // Waits until at least `count` records arrived in all; returns them by
  // partition (values in arrival order).
  std::map<int32_t, std::vector<std::string>> WaitForRecords(size_t count) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ended_ || records_ >= count; };
    mu_.AwaitWithTimeout(absl::Condition(&ready), kPatience);
    return values_;
  }

  // Waits until `value` arrived on `partition`; returns every value so far.
  std::map<int32_t, std::vector<std::string>> WaitForValue(int32_t partition,
                                                           const std::string& value) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      if (ended_) return true;
      auto it = values_.find(partition);
      return it != values_.end() &&
             std::find(it->second.begin(), it->second.end(), value) != it->second.end();
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), kPatience);
    return values_;
  }

  std::map<int32_t, std::vector<std::string>> values() {
    absl::MutexLock lock(&mu_);
    return values_;
  }
  size_t records() {
    absl::MutexLock lock(&mu_);
    return records_;
  }
  // The latest assignment, without waiting.
  std::optional<eventlog::v1::Assignment> assignment() {
    absl::MutexLock lock(&mu_);
    return assignment_;
  }
  // Record batches of a partition that the latest assignment announced
  // before them did not include (group mode; should stay 0).
  int unannounced_batches() {
    absl::MutexLock lock(&mu_);
    return unannounced_batches_;
  }

 private:
  static constexpr absl::Duration kPatience = absl::Seconds(30);

  void ReadAll() {
    eventlog::v1::SubscribeResponse response;
    while (reader_->Read(&response)) {
      absl::MutexLock lock(&mu_);
      if (response.has_assignment()) {
        assignment_ = response.assignment();
        continue;
      }
      const eventlog::v1::RecordBatch& batch = response.records();
      if (group_mode_) {
        const bool announced =
            assignment_.has_value() &&
            std::find(assignment_->partitions().begin(), assignment_->partitions().end(),
                      batch.partition()) != assignment_->partitions().end();
        if (!announced) ++unannounced_batches_;
      }
      for (const eventlog::v1::Record& record : batch.records()) {
        values_[batch.partition()].push_back(record.value());
        ++records_;
      }
    }
    grpc::Status status = reader_->Finish();
    absl::MutexLock lock(&mu_);
    status_ = status;
    ended_ = true;
  }

  const bool group_mode_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<eventlog::v1::SubscribeResponse>> reader_;
  std::thread thread_;

  absl::Mutex mu_;
  std::optional<eventlog::v1::Assignment> assignment_ ABSL_GUARDED_BY(mu_);
  std::map<int32_t, std::vector<std::string>> values_ ABSL_GUARDED_BY(mu_);
  int unannounced_batches_ ABSL_GUARDED_BY(mu_) = 0;
  size_t records_ ABSL_GUARDED_BY(mu_) = 0;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::service::testing
