// FrameSplitter: cuts a byte stream into Kafka frames (a big-endian int32
// size, then that many bytes). A size that is negative or above the limit
// is an error as soon as its four bytes arrive, before any of the body is
// buffered, so a peer cannot make the server hold more than one frame's
// limit.
//
// Not thread-safe; one per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::kafka {

class FrameSplitter {
 public:
  explicit FrameSplitter(int32_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

  // Adds received bytes.
  void Append(absl::string_view bytes);

  // The next complete frame (without its size prefix), nullopt if more bytes
  // are needed, or RESOURCE_EXHAUSTED (over the limit) / INVALID_ARGUMENT
  // (negative size); after an error the stream is unusable.
  absl::StatusOr<std::optional<std::string>> Next();

  // Bytes buffered and not yet returned.
  size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  const int32_t max_frame_bytes_;
  std::string buffer_;
  size_t consumed_ = 0;
};

}  // namespace eventlog::kafka
