// zstd frames (what Kafka's ZstdOutputStream and librdkafka write), always
// decompressed as a stream, so frames without a content size work and a
// claimed content size never sizes an allocation. Concatenated frames
// decompress as one stream.
#include <zstd.h>

#include <algorithm>
#include <bit>
#include <memory>

#include "storage/compression/codecs.h"

namespace eventlog::compression::internal {
namespace {

struct ZstdContextDeleter {
  void operator()(ZSTD_DCtx* context) const { ZSTD_freeDCtx(context); }
};

// The decoder's window (its memory) is capped near the output limit: a frame
// needs no window larger than its content. 8 MiB at least, for streaming
// compressors that announce their level's window whatever the content;
// 128 MiB at most (zstd's own default cap).
constexpr int kMinWindowLog = 23;
constexpr int kMaxWindowLog = 27;

int WindowLogFor(size_t max_output_bytes) {
  const int needed = static_cast<int>(std::bit_width(max_output_bytes));
  return std::clamp(needed, kMinWindowLog, kMaxWindowLog);
}

}  // namespace

absl::StatusOr<std::string> ZstdCompress(absl::string_view input) {
  std::string out(ZSTD_compressBound(input.size()), '\0');
  const size_t written =
      ZSTD_compress(out.data(), out.size(), input.data(), input.size(), ZSTD_CLEVEL_DEFAULT);
  if (ZSTD_isError(written)) {
    return absl::InternalError(absl::StrCat("zstd: ", ZSTD_getErrorName(written)));
  }
  out.resize(written);
  return out;
}

absl::StatusOr<std::string> ZstdDecompress(absl::string_view input, size_t max_output_bytes) {
  const std::unique_ptr<ZSTD_DCtx, ZstdContextDeleter> context(ZSTD_createDCtx());
  if (context == nullptr) return absl::InternalError("ZSTD_createDCtx failed");
  if (ZSTD_isError(ZSTD_DCtx_setParameter(context.get(), ZSTD_d_windowLogMax,
                                          WindowLogFor(max_output_bytes)))) {
    return absl::InternalError("ZSTD_d_windowLogMax rejected");
  }
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  std::string out;
  size_t remaining_hint = 1;  // nonzero: a frame is expected or in progress
  bool output_full = false;
  while (in.pos < in.size || output_full) {
    if (out.size() == max_output_bytes + 1) return TooLarge("zstd", max_output_bytes);
    const size_t room = std::min(kOutputChunk, max_output_bytes + 1 - out.size());
    const size_t used = out.size();
    out.resize(used + room);
    ZSTD_outBuffer chunk{out.data() + used, room, 0};
    const size_t in_before = in.pos;
    remaining_hint = ZSTD_decompressStream(context.get(), &chunk, &in);
    out.resize(used + chunk.pos);
    if (ZSTD_isError(remaining_hint)) return Corrupt("zstd", ZSTD_getErrorName(remaining_hint));
    output_full = chunk.pos == room;
    if (in.pos == in_before && chunk.pos == 0) break;  // no progress
  }
  if (out.size() > max_output_bytes) return TooLarge("zstd", max_output_bytes);
  if (input.empty() || remaining_hint != 0) return Corrupt("zstd", "truncated frame");
  return out;
}

}  // namespace eventlog::compression::internal
