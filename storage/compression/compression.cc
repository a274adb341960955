#include "storage/compression/compression.h"

#include "absl/strings/str_cat.h"
#include "storage/compression/codecs.h"

namespace eventlog::compression {

std::optional<Codec> CodecFromAttributes(int16_t attributes) {
  const int value = attributes & 0x07;
  if (value > static_cast<int>(Codec::kZstd)) return std::nullopt;
  return static_cast<Codec>(value);
}

absl::string_view CodecName(Codec codec) {
  switch (codec) {
    case Codec::kNone:
      return "none";
    case Codec::kGzip:
      return "gzip";
    case Codec::kSnappy:
      return "snappy";
    case Codec::kLz4:
      return "lz4";
    case Codec::kZstd:
      return "zstd";
  }
  return "unknown";
}

absl::StatusOr<std::string> Compress(Codec codec, absl::string_view input) {
  switch (codec) {
    case Codec::kNone:
      return std::string(input);
    case Codec::kGzip:
      return internal::GzipCompress(input);
    case Codec::kSnappy:
      return internal::SnappyCompress(input);
    case Codec::kLz4:
      return internal::Lz4Compress(input);
    case Codec::kZstd:
      return internal::ZstdCompress(input);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown compression codec ", static_cast<int>(codec)));
}

absl::StatusOr<std::string> Decompress(Codec codec, absl::string_view input,
                                       size_t max_output_bytes) {
  switch (codec) {
    case Codec::kNone:
      if (input.size() > max_output_bytes) return internal::TooLarge("plain", max_output_bytes);
      return std::string(input);
    case Codec::kGzip:
      return internal::GzipDecompress(input, max_output_bytes);
    case Codec::kSnappy:
      return internal::SnappyDecompress(input, max_output_bytes);
    case Codec::kLz4:
      return internal::Lz4Decompress(input, max_output_bytes);
    case Codec::kZstd:
      return internal::ZstdDecompress(input, max_output_bytes);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown compression codec ", static_cast<int>(codec)));
}

}  // namespace eventlog::compression
