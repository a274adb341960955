#include "storage/log/producer_state.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "storage/util/coding.h"
#include "storage/util/error_reason.h"

namespace eventlog::storage {
namespace {

constexpr uint8_t kSnapshotVersion = 1;
constexpr size_t kBatchBytes = 4 + 4 + 8 + 8;
constexpr size_t kProducerBytes = 8 + 2 + 1;

int32_t NextSequence(int32_t last) {
  return last == std::numeric_limits<int32_t>::max() ? 0 : last + 1;
}

void AppendFixed(std::string* out, uint64_t v, size_t bytes) {
  char buf[8];
  util::coding::PutFixed64(buf, v);
  out->append(buf, bytes);
}

uint64_t ReadFixed(const char* p, size_t bytes) {
  char buf[8] = {};
  for (size_t i = 0; i < bytes; ++i) buf[i] = p[i];
  return util::coding::GetFixed64(buf);
}

}  // namespace

int32_t ProducerState::LastSequence(int32_t first_sequence, int32_t record_count) {
  const int64_t last = int64_t{first_sequence} + record_count - 1;
  const int64_t wrap = int64_t{std::numeric_limits<int32_t>::max()} + 1;
  return static_cast<int32_t>(last >= wrap ? last - wrap : last);
}

absl::StatusOr<std::optional<ProducerState::Batch>> ProducerState::Check(
    const Claim& claim) const {
  if (claim.epoch < 0 || claim.first_sequence < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("a batch of producer ", claim.producer_id, " has epoch ", claim.epoch,
                     " and base sequence ", claim.first_sequence,
                     "; an idempotent producer sets both (>= 0)"));
  }
  auto it = producers_.find(claim.producer_id);
  if (it == producers_.end()) return std::nullopt;  // new, or forgotten: any sequence
  const Producer& producer = it->second;
  if (claim.epoch < producer.epoch) {
    return util::WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "producer ", claim.producer_id, " sent epoch ", claim.epoch,
            " but epoch ", producer.epoch, " has replaced it (a newer producer with this id)")),
        util::ErrorReason::kInvalidProducerEpoch);
  }
  if (claim.epoch > producer.epoch) {
    if (claim.first_sequence == 0) return std::nullopt;
    return util::WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "producer ", claim.producer_id, " starts epoch ", claim.epoch, " at sequence ",
            claim.first_sequence, "; a new epoch starts at sequence 0")),
        util::ErrorReason::kOutOfOrderSequence);
  }
  const int32_t last = LastSequence(claim.first_sequence, claim.record_count);
  for (const Batch& batch : producer.batches) {
    if (batch.first_sequence == claim.first_sequence && batch.last_sequence == last) return batch;
  }
  const int32_t expected =
      producer.batches.empty() ? 0 : NextSequence(producer.batches.back().last_sequence);
  if (producer.batches.empty() || claim.first_sequence == expected) return std::nullopt;
  return util::WithReason(
      absl::FailedPreconditionError(absl::StrCat(
          "producer ", claim.producer_id, " epoch ", claim.epoch, " sent sequence ",
          claim.first_sequence, " but the partition expects ", expected,
          " (batches were lost or reordered)")),
      util::ErrorReason::kOutOfOrderSequence);
}

void ProducerState::Record(const Claim& claim, int64_t first_offset) {
  if (claim.producer_id < 0) return;
  auto [it, inserted] = producers_.try_emplace(claim.producer_id);
  Producer& producer = it->second;
  if (inserted || claim.epoch != producer.epoch) {
    producer.epoch = claim.epoch;
    producer.batches.clear();
  }
  producer.batches.push_back(Batch{claim.first_sequence,
                                   LastSequence(claim.first_sequence, claim.record_count),
                                   first_offset, first_offset + claim.record_count - 1});
  while (producer.batches.size() > kMaxBatches) producer.batches.pop_front();
  if (inserted && producers_.size() > kMaxProducers) EvictOldest();
}

void ProducerState::EvictOldest() {
  auto oldest = producers_.end();
  for (auto it = producers_.begin(); it != producers_.end(); ++it) {
    if (oldest == producers_.end() ||
        it->second.batches.back().last_offset < oldest->second.batches.back().last_offset) {
      oldest = it;
    }
  }
  if (oldest != producers_.end()) producers_.erase(oldest);
}

void ProducerState::TruncateTo(int64_t log_end) {
  for (auto it = producers_.begin(); it != producers_.end();) {
    std::deque<Batch>& batches = it->second.batches;
    while (!batches.empty() && batches.back().last_offset >= log_end) batches.pop_back();
    if (batches.empty()) {
      producers_.erase(it++);
    } else {
      ++it;
    }
  }
}

const ProducerState::Producer* ProducerState::Find(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

std::string ProducerState::Encode() const {
  std::string out;
  out.push_back(static_cast<char>(kSnapshotVersion));
  AppendFixed(&out, producers_.size(), 4);
  for (const auto& [id, producer] : producers_) {
    AppendFixed(&out, static_cast<uint64_t>(id), 8);
    AppendFixed(&out, static_cast<uint16_t>(producer.epoch), 2);
    out.push_back(static_cast<char>(producer.batches.size()));
    for (const Batch& batch : producer.batches) {
      AppendFixed(&out, static_cast<uint32_t>(batch.first_sequence), 4);
      AppendFixed(&out, static_cast<uint32_t>(batch.last_sequence), 4);
      AppendFixed(&out, static_cast<uint64_t>(batch.first_offset), 8);
      AppendFixed(&out, static_cast<uint64_t>(batch.last_offset), 8);
    }
  }
  return out;
}

absl::StatusOr<ProducerState> ProducerState::Decode(absl::string_view bytes) {
  auto malformed = [](absl::string_view why) {
    return absl::DataLossError(absl::StrCat("producer state snapshot is malformed: ", why));
  };
  if (bytes.size() < 5) return malformed("too short");
  if (static_cast<uint8_t>(bytes[0]) != kSnapshotVersion) return malformed("unknown version");
  const uint64_t count = ReadFixed(bytes.data() + 1, 4);
  const char* p = bytes.data() + 5;
  const char* end = bytes.data() + bytes.size();
  ProducerState state;
  for (uint64_t i = 0; i < count; ++i) {
    if (static_cast<size_t>(end - p) < kProducerBytes) return malformed("truncated producer");
    const auto id = static_cast<int64_t>(ReadFixed(p, 8));
    Producer producer;
    producer.epoch = static_cast<int16_t>(ReadFixed(p + 8, 2));
    const auto batches = static_cast<uint8_t>(p[10]);
    p += kProducerBytes;
    if (batches == 0 || batches > kMaxBatches || id < 0 || producer.epoch < 0) {
      return malformed("impossible producer entry");
    }
    if (static_cast<size_t>(end - p) < batches * kBatchBytes) return malformed("truncated batch");
    for (uint8_t b = 0; b < batches; ++b) {
      Batch batch;
      batch.first_sequence = static_cast<int32_t>(ReadFixed(p, 4));
      batch.last_sequence = static_cast<int32_t>(ReadFixed(p + 4, 4));
      batch.first_offset = static_cast<int64_t>(ReadFixed(p + 8, 8));
      batch.last_offset = static_cast<int64_t>(ReadFixed(p + 16, 8));
      p += kBatchBytes;
      if (batch.first_offset < 0 || batch.last_offset < batch.first_offset) {
        return malformed("impossible batch offsets");
      }
      producer.batches.push_back(batch);
    }
    if (!state.producers_.emplace(id, std::move(producer)).second) {
      return malformed("producer listed twice");
    }
  }
  if (p != end) return malformed("bytes after the last producer");
  return state;
}

}  // namespace eventlog::storage
