// gzip (RFC 1952) through zlib, as Kafka's GZIPOutputStream writes it.
// Concatenated gzip members decompress as one stream, like Java's
// GZIPInputStream; anything else after the last member is corrupt.
#include <zlib.h>

#include <algorithm>
#include <limits>

#include "absl/cleanup/cleanup.h"
#include "storage/compression/codecs.h"

namespace eventlog::compression::internal {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip wrapper
constexpr int kMemLevel = 8;

unsigned char* Bytes(absl::string_view s) {
  // zlib's API is not const-correct; it never writes through next_in.
  return reinterpret_cast<unsigned char*>(const_cast<char*>(s.data()));
}

}  // namespace

absl::StatusOr<std::string> GzipCompress(absl::string_view input) {
  if (input.size() > std::numeric_limits<uInt>::max()) {
    return absl::InvalidArgumentError("gzip input larger than 4 GiB");
  }
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, kMemLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError("deflateInit2 failed");
  }
  const absl::Cleanup end = [&stream] { deflateEnd(&stream); };
  std::string out(deflateBound(&stream, static_cast<uLong>(input.size())), '\0');
  stream.next_in = Bytes(input);
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<unsigned char*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  if (deflate(&stream, Z_FINISH) != Z_STREAM_END) return absl::InternalError("deflate failed");
  out.resize(stream.total_out);
  return out;
}

absl::StatusOr<std::string> GzipDecompress(absl::string_view input, size_t max_output_bytes) {
  if (input.size() > std::numeric_limits<uInt>::max()) {
    return Corrupt("gzip", "input larger than 4 GiB");
  }
  z_stream stream{};
  if (inflateInit2(&stream, kGzipWindowBits) != Z_OK) {
    return absl::InternalError("inflateInit2 failed");
  }
  const absl::Cleanup end = [&stream] { inflateEnd(&stream); };
  stream.next_in = Bytes(input);
  stream.avail_in = static_cast<uInt>(input.size());
  std::string out;
  bool member_done = false;
  while (true) {
    if (out.size() == max_output_bytes + 1) return TooLarge("gzip", max_output_bytes);
    // One byte past the limit tells "exactly max" from "more than max".
    const size_t room = std::min(kOutputChunk, max_output_bytes + 1 - out.size());
    const size_t used = out.size();
    out.resize(used + room);
    stream.next_out = reinterpret_cast<unsigned char*>(out.data() + used);
    stream.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&stream, Z_NO_FLUSH);
    out.resize(used + room - stream.avail_out);
    if (rc == Z_STREAM_END) {
      member_done = true;
      if (stream.avail_in == 0) break;
      if (inflateReset(&stream) != Z_OK) return absl::InternalError("inflateReset failed");
      member_done = false;
      continue;
    }
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) break;  // input ends mid-member
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Corrupt("gzip", stream.msg != nullptr ? stream.msg : "inflate failed");
    }
  }
  if (out.size() > max_output_bytes) return TooLarge("gzip", max_output_bytes);
  if (!member_done) return Corrupt("gzip", "truncated");
  return out;
}

}  // namespace eventlog::compression::internal
