#include "service/broker/batch_producer.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/broker/validation.h"
#include "storage/format/record_batch_builder.h"
#include "storage/util/error_reason.h"
#include "storage/util/status_macros.h"

namespace eventlog::broker {
namespace {

absl::StatusOr<storage::RecordBatchBuilder> Validate(const storage::Topic& topic,
                                                     std::string batch, int64_t now_ms,
                                                     int64_t max_request_bytes) {
  if (static_cast<int64_t>(batch.size()) > max_request_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("a record batch of ", batch.size(), " bytes exceeds the server's maximum of ",
                     max_request_bytes, " bytes per request"));
  }
  absl::StatusOr<storage::RecordBatchBuilder> built = storage::RecordBatchBuilder::FromKafkaBatch(
      std::move(batch), static_cast<size_t>(max_request_bytes));
  if (!built.ok()) {
    if (absl::IsResourceExhausted(built.status())) return built.status();
    return util::WithReason(built.status(), util::ErrorReason::kCorruptRecord);
  }
  const storage::LogConfig& config = topic.config();
  if (built->max_record_bytes() > static_cast<size_t>(config.max_message_bytes)) {
    return util::WithReason(
        absl::ResourceExhaustedError(absl::StrCat(
            "a record of the batch is ", built->max_record_bytes(), " bytes encoded; topic \"",
            topic.name(), "\" accepts records of at most ", config.max_message_bytes,
            " bytes (max_message_bytes)")),
        util::ErrorReason::kRecordTooLarge);
  }
  if (config.timestamp_type == storage::TimestampType::kLogAppendTime) {
    built->SetLogAppendTime(now_ms);
    return built;
  }
  if (built->min_timestamp_ms() < 0) {
    return util::WithReason(
        absl::InvalidArgumentError(absl::StrCat(
            "a record of the batch has timestamp ", built->min_timestamp_ms(),
            "; use milliseconds since the epoch")),
        util::ErrorReason::kInvalidTimestamp);
  }
  RETURN_IF_ERROR(CheckTimestampBounds(topic, built->max_timestamp_ms(), now_ms, "a record"));
  RETURN_IF_ERROR(CheckTimestampBounds(topic, built->min_timestamp_ms(), now_ms, "a record"));
  return built;
}

}  // namespace

void BatchProducer::Append(BatchAppendRequest request, BatchAppendCallback done) {
  absl::StatusOr<std::shared_ptr<storage::Topic>> topic = LookupTopic(*store_, request.topic);
  if (!topic.ok()) return done(topic.status());
  absl::StatusOr<std::shared_ptr<storage::PartitionLog>> log =
      LookupPartition(**topic, request.partition);
  if (!log.ok()) return done(log.status());
  const int64_t now_ms = store_->options().clock->NowMs();
  absl::StatusOr<storage::RecordBatchBuilder> batch =
      Validate(**topic, std::move(request.batch), now_ms, options_.max_request_bytes);
  if (!batch.ok()) return done(batch.status());
  const int64_t append_time =
      (*topic)->config().timestamp_type == storage::TimestampType::kLogAppendTime ? now_ms : -1;
  std::shared_ptr<storage::PartitionLog> target = *log;
  target->AppendAsync(
      *std::move(batch), request.durability,
      [done = std::move(done), target, append_time](
          absl::StatusOr<storage::AppendResult> appended) mutable {
        if (!appended.ok()) return done(appended.status());
        BatchAppendResult result;
        result.base_offset = appended->base_offset;
        result.last_offset = appended->last_offset;
        result.duplicate = appended->duplicate;
        result.log_append_time_ms = append_time;
        result.log_start_offset = target->log_start_offset();
        done(result);
      });
}

}  // namespace eventlog::broker
