#include "storage/log/log_segments.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace eventlog::storage {

LogSegments::LogSegments(int32_t partition, SegmentMap segments, int64_t log_start, int64_t end)
    : partition_(partition),
      segments_(std::move(segments)),
      log_start_(log_start),
      high_watermark_(end),
      log_end_(end) {
  for (const auto& [base, segment] : segments_) size_bytes_ += segment->size();
}

absl::Status LogSegments::StateErrorLocked() const {
  switch (state_) {
    case State::kOpen:
      return absl::OkStatus();
    case State::kDeleted:
      return absl::NotFoundError(
          absl::StrCat("partition ", partition_, " no longer exists: its topic was deleted"));
    case State::kClosed:
      break;
  }
  return absl::UnavailableError("the storage engine is shutting down");
}

absl::Status LogSegments::CheckOpen() const {
  absl::ReaderMutexLock l(&mu_);
  return StateErrorLocked();
}

bool LogSegments::open() const {
  absl::ReaderMutexLock l(&mu_);
  return state_ == State::kOpen;
}

LogSegments::Offsets LogSegments::offsets() const {
  absl::ReaderMutexLock l(&mu_);
  return Offsets{log_start_, high_watermark_, log_end_, size_bytes_};
}

LogSegments::Span LogSegments::SpanLocked(SegmentMap::const_iterator it) const {
  auto next = std::next(it);
  return Span{it->second, it->second->size(),
              next == segments_.end() ? std::numeric_limits<int64_t>::max() : next->first};
}

absl::Status LogSegments::Find(int64_t offset, Offsets* offsets, std::optional<Span>* span) const {
  absl::ReaderMutexLock l(&mu_);
  if (absl::Status s = StateErrorLocked(); !s.ok()) return s;
  *offsets = Offsets{log_start_, high_watermark_, log_end_, size_bytes_};
  // [start, high watermark) are the readable records; reading at the high
  // watermark itself is allowed (it waits for the next record).
  if (offset < log_start_ || offset > high_watermark_) {
    return absl::OutOfRangeError(absl::StrCat("offset ", offset, " is out of range [", log_start_,
                                              ", ", high_watermark_, ") for partition ",
                                              partition_));
  }
  span->reset();
  if (offset == high_watermark_) return absl::OkStatus();
  auto it = segments_.upper_bound(offset);
  if (it != segments_.begin()) --it;
  *span = SpanLocked(it);
  return absl::OkStatus();
}

absl::Status LogSegments::FindWritten(int64_t offset, Offsets* offsets,
                                      std::optional<Span>* span) const {
  absl::ReaderMutexLock l(&mu_);
  if (absl::Status s = StateErrorLocked(); !s.ok()) return s;
  *offsets = Offsets{log_start_, high_watermark_, log_end_, size_bytes_};
  if (offset < log_start_ || offset > log_end_) {
    return absl::OutOfRangeError(absl::StrCat("offset ", offset, " is out of range [", log_start_,
                                              ", ", log_end_, "] of what partition ", partition_,
                                              " has written"));
  }
  span->reset();
  if (offset == log_end_) return absl::OkStatus();
  auto it = segments_.upper_bound(offset);
  if (it != segments_.begin()) --it;
  *span = SpanLocked(it);
  return absl::OkStatus();
}

std::optional<LogSegments::Span> LogSegments::After(const Segment& segment, int64_t read_to,
                                                    int64_t* high_watermark) const {
  absl::ReaderMutexLock l(&mu_);
  *high_watermark = high_watermark_;
  auto it = segments_.find(segment.base_offset());
  // Appends may have grown the segment since the reader took its size (and
  // then rolled): those batches come first, or the read would jump them.
  if (it != segments_.end() && it->second.get() == &segment && segment.size() > read_to) {
    return SpanLocked(it);
  }
  it = segments_.upper_bound(segment.base_offset());
  if (it == segments_.end()) return std::nullopt;
  return SpanLocked(it);
}

void LogSegments::Published(Segment& active, int64_t segment_size, int64_t log_end,
                            int64_t added_bytes) {
  absl::MutexLock l(&mu_);
  active.set_size(segment_size);
  log_end_ = log_end;
  size_bytes_ += added_bytes;
}

void LogSegments::AddSegment(std::shared_ptr<Segment> segment) {
  absl::MutexLock l(&mu_);
  const int64_t base = segment->base_offset();
  segments_[base] = std::move(segment);
}

std::vector<WaiterList::Callback> LogSegments::AdvanceHighWatermark(int64_t durable_end) {
  absl::MutexLock l(&mu_);
  durable_end = std::min(durable_end, log_end_);
  if (durable_end <= high_watermark_) return {};
  high_watermark_ = durable_end;
  return waiters_.TakeReady(high_watermark_);
}

uint64_t LogSegments::WaitForData(int64_t offset, WaiterList::Callback callback,
                                  bool* written_past) {
  absl::MutexLock l(&mu_);
  *written_past = false;
  if (state_ != State::kOpen || high_watermark_ > offset) return 0;
  *written_past = log_end_ > offset;
  return waiters_.Add(offset, std::move(callback));
}

bool LogSegments::CancelWait(uint64_t id) {
  absl::MutexLock l(&mu_);
  return waiters_.Remove(id);
}

bool LogSegments::has_waiters() const {
  absl::ReaderMutexLock l(&mu_);
  return waiters_.size() > 0;
}

uint64_t LogSegments::WaitForWritten(int64_t offset, WaiterList::Callback callback) {
  absl::MutexLock l(&mu_);
  if (state_ != State::kOpen || log_end_ > offset) return 0;
  return written_waiters_.Add(offset, std::move(callback));
}

bool LogSegments::CancelWaitForWritten(uint64_t id) {
  absl::MutexLock l(&mu_);
  return written_waiters_.Remove(id);
}

std::vector<WaiterList::Callback> LogSegments::TakeWritten() {
  absl::MutexLock l(&mu_);
  if (written_waiters_.size() == 0) return {};
  return written_waiters_.TakeReady(log_end_);
}

std::vector<WaiterList::Callback> LogSegments::Close(State state) {
  absl::MutexLock l(&mu_);
  if (state_ != State::kOpen) return {};
  state_ = state;
  std::vector<WaiterList::Callback> wake = waiters_.TakeAll();
  for (WaiterList::Callback& callback : written_waiters_.TakeAll()) {
    wake.push_back(std::move(callback));
  }
  return wake;
}

std::vector<LogSegments::Sealed> LogSegments::DurableSealed() const {
  absl::ReaderMutexLock l(&mu_);
  std::vector<Sealed> out;
  for (auto it = segments_.begin(); std::next(it) != segments_.end(); ++it) {
    const int64_t next_base = std::next(it)->first;
    if (next_base > high_watermark_) break;
    out.push_back(Sealed{it->second, next_base});
  }
  return out;
}

std::vector<LogSegments::Sealed> LogSegments::All() const {
  absl::ReaderMutexLock l(&mu_);
  std::vector<Sealed> out;
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    auto next = std::next(it);
    out.push_back(Sealed{
        it->second, next == segments_.end() ? std::numeric_limits<int64_t>::max() : next->first});
  }
  return out;
}

absl::Status LogSegments::DropBelow(int64_t new_start) {
  absl::MutexLock l(&mu_);
  if (state_ != State::kOpen) return absl::FailedPreconditionError("the log is closed");
  while (segments_.size() > 1 && std::next(segments_.begin())->first <= new_start) {
    size_bytes_ -= segments_.begin()->second->size();
    segments_.erase(segments_.begin());
  }
  log_start_ = std::max(log_start_, new_start);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::shared_ptr<Segment>>> LogSegments::TruncateTo(int64_t keep_base,
                                                                              int64_t size,
                                                                              int64_t log_end) {
  absl::MutexLock l(&mu_);
  if (state_ != State::kOpen) return absl::FailedPreconditionError("the log is closed");
  auto keep = segments_.find(keep_base);
  if (keep == segments_.end()) {
    return absl::FailedPreconditionError("the segment to keep is no longer in the log");
  }
  std::vector<std::shared_ptr<Segment>> dropped;
  for (auto it = std::next(keep); it != segments_.end(); it = segments_.erase(it)) {
    size_bytes_ -= it->second->size();
    dropped.push_back(std::move(it->second));
  }
  size_bytes_ -= keep->second->size() - size;
  keep->second->set_size(size);
  log_end_ = log_end;
  high_watermark_ = std::min(high_watermark_, log_end);
  return dropped;
}

absl::Status LogSegments::Replace(std::shared_ptr<Segment> replacement) {
  absl::MutexLock l(&mu_);
  if (state_ != State::kOpen) return absl::FailedPreconditionError("the log is closed");
  auto it = segments_.find(replacement->base_offset());
  if (it == segments_.end()) {
    return absl::FailedPreconditionError("the compacted segment is no longer in the log");
  }
  size_bytes_ += replacement->size() - it->second->size();
  it->second = std::move(replacement);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::shared_ptr<Segment>>> LogSegments::ResetTo(
    std::shared_ptr<Segment> segment, int64_t offset) {
  absl::MutexLock l(&mu_);
  if (state_ != State::kOpen) return absl::FailedPreconditionError("the log is closed");
  std::vector<std::shared_ptr<Segment>> dropped;
  for (auto& [base, old] : segments_) dropped.push_back(std::move(old));
  segments_.clear();
  segments_[offset] = std::move(segment);
  size_bytes_ = 0;
  log_start_ = offset;
  high_watermark_ = offset;
  log_end_ = offset;
  return dropped;
}

std::vector<int64_t> LogSegments::bases() const {
  absl::ReaderMutexLock l(&mu_);
  std::vector<int64_t> out;
  for (const auto& [base, segment] : segments_) out.push_back(base);
  return out;
}

}  // namespace eventlog::storage
