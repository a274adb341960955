// Consumer: push-based reader of one topic over Subscribe, either of explicit
// partitions or as a member of a consumer group, yielding records one by one
// and tracking the position (next offset) of every partition it read, which
// Commit() stores for the group.
//
// Group mode: assignments are applied in stream order, in Poll; the rebalance
// callbacks of ConsumerOptions run then. A member commits only partitions of
// its current assignment, with its member id and generation, so it never
// writes an old position over a newer owner's commit; a commit the broker
// refuses because a rebalance is in progress (FAILED_PRECONDITION) is not an
// error: the positions stay, the next Commit() after the new assignment sends
// those still owned, and options.log hears of it.
//
// When its broker goes away (the subscription ends with UNAVAILABLE), a
// consumer whose Client has a bootstrap list re-subscribes through the next
// broker (ConsumerOptions::resubscribe, resuming_subscription.h): explicit
// partitions resume at positions(), a group member rejoins from the
// committed offsets; meanwhile Poll returns nullptr.
//
// Not thread-safe: Poll, Commit, Leave and the accessors belong to one thread.
// Close() (and the destructor) may be called from another thread to end a
// blocked Poll.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clients/cpp/client.h"
#include "clients/cpp/consumer_options.h"
#include "clients/cpp/resuming_subscription.h"

namespace eventlog::client {

class Consumer {
 public:
  // Starts the subscription. Errors of the subscription itself (unknown
  // topic, bad start position) surface from the first Poll. `client` must
  // outlive the consumer.
  static absl::StatusOr<std::unique_ptr<Consumer>> Create(Client& client, absl::string_view topic,
                                                          ConsumerOptions options = {});
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // The next record, waiting up to `timeout`; nullptr when none arrived in
  // time. The record (with `partition` and `offset` set) stays valid until
  // the next Poll or Close. An error means the subscription ended (e.g.
  // NOT_FOUND when the topic was deleted, UNAVAILABLE when the server went
  // away and the consumer does not re-subscribe, CANCELLED after Close).
  absl::StatusOr<const v1::Record*> Poll(absl::Duration timeout);

  // Group mode: the latest assignment received (nullopt before the first),
  // and how many assignments have arrived (to notice rebalances).
  const std::optional<v1::Assignment>& assignment() const { return assignment_; }
  int64_t assignments_received() const { return assignments_received_; }

  // Next offset to read per partition, for partitions Poll returned records of
  // (in group mode: only partitions still assigned).
  const absl::flat_hash_map<int32_t, int64_t>& positions() const { return positions_; }
  // The high watermark reported with the last batch of `partition`, or -1.
  int64_t high_watermark(int32_t partition) const;

  // Commits positions() that changed since the last commit in one
  // CommitOffsets call (one CommitOffset per partition on a broker without
  // it): to the group in group mode (with the current assignment's member id
  // and generation; OK without committing while a rebalance is in progress,
  // see above), else to options.commit_group (generation 0, no member).
  absl::Status Commit();
  // Commits one explicit offset (the next one to consume). Group mode: a
  // partition not assigned is skipped (OK, and options.log says so).
  absl::Status Commit(int32_t partition, int64_t offset, absl::string_view metadata = "");

  // Exposed for testing only: the request Commit(partition, offset, metadata)
  // sends now.
  v1::CommitOffsetsRequest TEST_CommitRequest(int32_t partition, int64_t offset,
                                              absl::string_view metadata) const {
    return CommitRequest({{partition, offset}}, metadata);
  }

  // Group mode, from the consuming thread: on_revoke hears of every owned
  // partition, the positions are committed (with auto-commit), and the
  // subscription ends (the member leaves). Returns the commit's status.
  absl::Status Leave();
  // Ends the subscription. Idempotent; any thread.
  void Close();

  const std::string& topic() const { return topic_; }

 private:
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  // Use Create().
  Consumer(PrivateTag, Client& client, std::string topic, ConsumerOptions options);

 private:
  using OffsetMap = absl::flat_hash_map<int32_t, int64_t>;

  void OnAssignment(const v1::Assignment& assignment);
  bool Owns(int32_t partition) const;
  const std::string& CommitGroup() const;
  v1::CommitOffsetsRequest CommitRequest(const OffsetMap& offsets,
                                         absl::string_view metadata) const;
  absl::Status SendCommit(const OffsetMap& offsets, absl::string_view metadata);
  void Log(absl::string_view line) const;

  Client& client_;
  const std::string topic_;
  const ConsumerOptions options_;
  ResumingSubscription subscription_;

  std::unique_ptr<v1::SubscribeResponse> current_;  // batch being handed out
  int current_index_ = 0;
  absl::Status ended_;  // set once the subscription ended
  std::optional<v1::Assignment> assignment_;
  int64_t assignments_received_ = 0;
  OffsetMap positions_;
  OffsetMap committed_;
  OffsetMap high_watermarks_;
  bool batched_commits_ = true;  // the broker has CommitOffsets
  absl::Duration auto_commit_interval_;
  absl::Time next_auto_commit_;
};

}  // namespace eventlog::client
