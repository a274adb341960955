#include "service/broker/validation.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "storage/util/error_reason.h"

namespace eventlog::broker {
namespace {

constexpr size_t kMaxNameLength = 249;

// A name as it can be shown in a message: escaped and shortened.
std::string Printable(absl::string_view name) {
  constexpr size_t kShown = 64;
  std::string shown = absl::CHexEscape(name.substr(0, kShown));
  if (name.size() > kShown) absl::StrAppend(&shown, "...");
  return shown;
}

bool IsTopicNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

absl::Status ValidateTopicName(absl::string_view name) {
  if (name.empty()) {
    return absl::InvalidArgumentError("topic name is empty; use 1 to 249 of [A-Za-z0-9._-]");
  }
  if (name.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(absl::StrCat("topic name \"", Printable(name), "\" is ",
                                                   name.size(), " characters; the limit is 249"));
  }
  if (name == "." || name == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat("topic name \"", name, "\" is not allowed; use 1 to 249 of [A-Za-z0-9._-]"));
  }
  for (char c : name) {
    if (!IsTopicNameChar(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("topic name \"", Printable(name), "\" has the character \"",
                       Printable(absl::string_view(&c, 1)),
                       "\"; only letters, digits, '.', '_' and '-' are allowed"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateGroupName(absl::string_view group) {
  if (group.empty()) return absl::InvalidArgumentError("group is empty; name a consumer group");
  if (group.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(absl::StrCat("group \"", Printable(group), "\" is ",
                                                   group.size(), " bytes; the limit is 249"));
  }
  for (char c : group) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat("group \"", Printable(group), "\" contains a control character"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<storage::Topic>> LookupTopic(const storage::Store& store,
                                                            absl::string_view name) {
  if (absl::Status valid = ValidateTopicName(name); !valid.ok()) return valid;
  absl::StatusOr<std::shared_ptr<storage::Topic>> topic = store.GetTopic(name);
  if (topic.ok() && (*topic == nullptr || (*topic)->deleted())) {
    return absl::NotFoundError(absl::StrCat("topic \"", name, "\" does not exist"));
  }
  return topic;
}

absl::StatusOr<std::shared_ptr<storage::PartitionLog>> LookupPartition(const storage::Topic& topic,
                                                                       int32_t partition) {
  if (partition < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("partition ", partition, " of topic \"", topic.name(), "\" is negative"));
  }
  std::shared_ptr<storage::PartitionLog> log = topic.partition(partition);
  if (log == nullptr) {
    return absl::NotFoundError(absl::StrCat("topic \"", topic.name(), "\" has no partition ",
                                            partition, "; its partitions are 0..",
                                            topic.partition_count() - 1));
  }
  return log;
}

absl::Status CheckTimestampBounds(const storage::Topic& topic, int64_t timestamp_ms,
                                  int64_t now_ms, absl::string_view what) {
  const storage::LogConfig& config = topic.config();
  const int64_t after = config.message_timestamp_after_max_ms;
  if (after != storage::LogConfig::kUnlimited && timestamp_ms - now_ms > after) {
    return util::WithReason(
        absl::InvalidArgumentError(absl::StrCat(
            what, " has timestamp_ms ", timestamp_ms, ", ", timestamp_ms - now_ms,
            " ms ahead of the broker's clock (", now_ms, "); topic \"", topic.name(),
            "\" accepts at most ", after,
            " ms ahead (message_timestamp_after_max_ms); nothing of the request was appended")),
        util::ErrorReason::kInvalidTimestamp);
  }
  const int64_t before = config.message_timestamp_before_max_ms;
  if (before != storage::LogConfig::kUnlimited && now_ms - timestamp_ms > before) {
    return util::WithReason(
        absl::InvalidArgumentError(absl::StrCat(
            what, " has timestamp_ms ", timestamp_ms, ", ", now_ms - timestamp_ms,
            " ms behind the broker's clock (", now_ms, "); topic \"", topic.name(),
            "\" accepts at most ", before,
            " ms behind (message_timestamp_before_max_ms); nothing of the request was appended")),
        util::ErrorReason::kInvalidTimestamp);
  }
  return absl::OkStatus();
}

absl::Status OffsetOutOfRangeError(absl::string_view topic, int32_t partition, int64_t offset,
                                   int64_t log_start_offset, int64_t high_watermark) {
  return absl::OutOfRangeError(
      absl::StrCat("offset ", offset, " is out of range for topic \"", topic, "\" partition ",
                   partition, ": valid offsets are ", log_start_offset, " (log_start_offset) to ",
                   high_watermark, " (high_watermark)"));
}

absl::Status ClosedTopicError(const storage::Topic& topic) {
  if (topic.deleted()) {
    return absl::NotFoundError(absl::StrCat("topic \"", topic.name(), "\" was deleted"));
  }
  return ShuttingDownError();
}

absl::Status ShuttingDownError() {
  return absl::UnavailableError("the server is shutting down; retry against a running server");
}

}  // namespace eventlog::broker
