// lz4 in the LZ4 frame format (lz4frame.h), which Kafka uses for RecordBatch
// v2 (the older, broken header checksum of magic 0 and 1 is not accepted).
// Concatenated frames decompress as one stream.
#include <lz4frame.h>

#include <algorithm>
#include <memory>

#include "storage/compression/codecs.h"

namespace eventlog::compression::internal {
namespace {

struct Lz4ContextDeleter {
  void operator()(LZ4F_dctx* context) const { LZ4F_freeDecompressionContext(context); }
};

}  // namespace

absl::StatusOr<std::string> Lz4Compress(absl::string_view input) {
  LZ4F_preferences_t preferences{};
  preferences.frameInfo.blockSizeID = LZ4F_max64KB;
  preferences.frameInfo.contentSize = input.size();
  std::string out(LZ4F_compressFrameBound(input.size(), &preferences), '\0');
  const size_t written =
      LZ4F_compressFrame(out.data(), out.size(), input.data(), input.size(), &preferences);
  if (LZ4F_isError(written)) {
    return absl::InternalError(absl::StrCat("lz4: ", LZ4F_getErrorName(written)));
  }
  out.resize(written);
  return out;
}

absl::StatusOr<std::string> Lz4Decompress(absl::string_view input, size_t max_output_bytes) {
  LZ4F_dctx* raw_context = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw_context, LZ4F_VERSION))) {
    return absl::InternalError("LZ4F_createDecompressionContext failed");
  }
  const std::unique_ptr<LZ4F_dctx, Lz4ContextDeleter> context(raw_context);
  std::string out;
  size_t hint = 1;  // nonzero: a frame is expected or in progress
  // Loops while there is input, or while the last call filled its output
  // (the decoder may hold more output for the same input).
  bool output_full = false;
  while (!input.empty() || output_full) {
    if (out.size() == max_output_bytes + 1) return TooLarge("lz4", max_output_bytes);
    const size_t room = std::min(kOutputChunk, max_output_bytes + 1 - out.size());
    const size_t used = out.size();
    out.resize(used + room);
    size_t produced = room;
    size_t consumed = input.size();
    hint = LZ4F_decompress(context.get(), out.data() + used, &produced, input.data(), &consumed,
                           nullptr);
    out.resize(used + produced);
    if (LZ4F_isError(hint)) return Corrupt("lz4", LZ4F_getErrorName(hint));
    input.remove_prefix(consumed);
    output_full = produced == room;
    if (consumed == 0 && produced == 0) break;  // no progress: needs input it does not have
  }
  if (out.size() > max_output_bytes) return TooLarge("lz4", max_output_bytes);
  if (hint != 0) return Corrupt("lz4", "truncated frame");
  return out;
}

}  // namespace eventlog::compression::internal
