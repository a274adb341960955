#include "service/kafka/protocol/frame_splitter.h"

#include "absl/strings/str_cat.h"
#include "storage/util/coding.h"

namespace eventlog::kafka {

void FrameSplitter::Append(absl::string_view bytes) {
  // Drop what was handed out before growing, so the buffer stays near one
  // frame.
  if (consumed_ > 0) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  buffer_.append(bytes.data(), bytes.size());
}

absl::StatusOr<std::optional<std::string>> FrameSplitter::Next() {
  if (buffered() < 4) return std::nullopt;
  const auto size = static_cast<int32_t>(util::coding::GetBigEndian32(buffer_.data() + consumed_));
  if (size < 0) return absl::InvalidArgumentError(absl::StrCat("negative frame size ", size));
  if (size > max_frame_bytes_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("frame of ", size, " bytes is over the limit of ", max_frame_bytes_));
  }
  if (buffered() - 4 < static_cast<size_t>(size)) return std::nullopt;
  std::string frame = buffer_.substr(consumed_ + 4, static_cast<size_t>(size));
  consumed_ += 4 + static_cast<size_t>(size);
  return frame;
}

}  // namespace eventlog::kafka
