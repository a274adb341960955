// snappy in the xerial framing of the Java client (snappy-java's
// SnappyOutputStream): the header "\x82SNAPPY\0", a big-endian int32 version
// and compatible version, then blocks of [big-endian int32 length][raw
// snappy block]. Input without that header is taken as one raw snappy
// block, which is what librdkafka writes for RecordBatch v2.
#include <snappy.h>

#include "storage/compression/codecs.h"
#include "storage/util/coding.h"

namespace eventlog::compression::internal {
namespace {

constexpr absl::string_view kXerialMagic("\x82SNAPPY\0", 8);
constexpr size_t kXerialHeaderSize = 16;  // magic, version, compatible version
constexpr int32_t kXerialVersion = 1;
constexpr int32_t kXerialCompatibleVersion = 1;
// snappy-java's default block size.
constexpr size_t kXerialBlockSize = 32 * 1024;

// Appends one raw block's output to `out`, keeping the total bounded.
absl::Status AppendRawBlock(absl::string_view block, size_t max_output_bytes, std::string* out) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(block.data(), block.size(), &length)) {
    return Corrupt("snappy", "bad block header");
  }
  if (length > max_output_bytes - out->size()) return TooLarge("snappy", max_output_bytes);
  // The claimed length is checked against the block before the allocation,
  // so a small block cannot make a large one.
  if (!snappy::IsValidCompressedBuffer(block.data(), block.size())) {
    return Corrupt("snappy", "invalid block");
  }
  const size_t used = out->size();
  out->resize(used + length);
  if (!snappy::RawUncompress(block.data(), block.size(), out->data() + used)) {
    return Corrupt("snappy", "invalid block");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> SnappyCompress(absl::string_view input) {
  std::string out(kXerialMagic);
  util::coding::AppendBigEndian32(&out, kXerialVersion);
  util::coding::AppendBigEndian32(&out, kXerialCompatibleVersion);
  std::string block;
  for (size_t pos = 0; pos < input.size(); pos += kXerialBlockSize) {
    const absl::string_view chunk = input.substr(pos, kXerialBlockSize);
    block.clear();
    snappy::Compress(chunk.data(), chunk.size(), &block);
    util::coding::AppendBigEndian32(&out, static_cast<uint32_t>(block.size()));
    out += block;
  }
  return out;
}

absl::StatusOr<std::string> SnappyDecompress(absl::string_view input, size_t max_output_bytes) {
  std::string out;
  if (input.size() < kXerialHeaderSize || input.substr(0, kXerialMagic.size()) != kXerialMagic) {
    if (absl::Status s = AppendRawBlock(input, max_output_bytes, &out); !s.ok()) return s;
    return out;
  }
  input.remove_prefix(kXerialHeaderSize);
  while (!input.empty()) {
    if (input.size() < 4) return Corrupt("snappy", "truncated block length");
    const uint32_t length = util::coding::GetBigEndian32(input.data());
    input.remove_prefix(4);
    if (length > input.size()) return Corrupt("snappy", "truncated block");
    if (absl::Status s = AppendRawBlock(input.substr(0, length), max_output_bytes, &out); !s.ok()) {
      return s;
    }
    input.remove_prefix(length);
  }
  return out;
}

}  // namespace eventlog::compression::internal
