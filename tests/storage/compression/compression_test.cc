#include "storage/compression/compression.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace eventlog::compression {
namespace {

using ::eventlog::testing::StatusIs;

constexpr Codec kAllCodecs[] = {Codec::kNone, Codec::kGzip, Codec::kSnappy, Codec::kLz4,
                                Codec::kZstd};
constexpr Codec kCompressingCodecs[] = {Codec::kGzip, Codec::kSnappy, Codec::kLz4, Codec::kZstd};
constexpr size_t kNoLimit = 64 << 20;

std::string FromBytes(std::initializer_list<unsigned char> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// Written by the command-line tools of other implementations, from stdin
// (so with no content size in the zstd frame):
//   printf 'eventlog eventlog eventlog eventlog\n' | {gzip -n,lz4,zstd} -c
const std::string kPlain = "eventlog eventlog eventlog eventlog\n";
const std::string kGzipCli =
    FromBytes({0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b,
               0x2d, 0x4b, 0xcd, 0x2b, 0xc9, 0xc9, 0x4f, 0x57, 0x48, 0xc5, 0xc9,
               0xe0, 0x02, 0x00, 0x16, 0x64, 0xca, 0x68, 0x24, 0x00, 0x00, 0x00});
const std::string kLz4Cli =
    FromBytes({0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7, 0x13, 0x00, 0x00, 0x00, 0x9f, 0x65,
               0x76, 0x65, 0x6e, 0x74, 0x6c, 0x6f, 0x67, 0x20, 0x09, 0x00, 0x03, 0x50, 0x74,
               0x6c, 0x6f, 0x67, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x3b, 0x51, 0xf6, 0xfb});
const std::string kZstdCliNoContentSize = FromBytes(
    {0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x85, 0x00, 0x00, 0x50, 0x65, 0x76, 0x65, 0x6e, 0x74,
     0x6c, 0x6f, 0x67, 0x20, 0x0a, 0x01, 0x00, 0xb4, 0xcb, 0x11, 0x0a, 0x56, 0xa9, 0x29});

std::string Sample(size_t size) {
  std::string s;
  s.reserve(size);
  for (size_t i = 0; s.size() < size; ++i) absl::StrAppend(&s, "record-", i % 977, ";");
  s.resize(size);
  return s;
}

TEST(CompressionTest, AttributeValuesAreKafkas) {
  EXPECT_EQ(CodecFromAttributes(0), Codec::kNone);
  EXPECT_EQ(CodecFromAttributes(1), Codec::kGzip);
  EXPECT_EQ(CodecFromAttributes(2), Codec::kSnappy);
  EXPECT_EQ(CodecFromAttributes(3), Codec::kLz4);
  EXPECT_EQ(CodecFromAttributes(4), Codec::kZstd);
  EXPECT_EQ(CodecFromAttributes(0x10 | 3), Codec::kLz4);  // other attribute bits ignored
  EXPECT_EQ(CodecFromAttributes(5), std::nullopt);
  EXPECT_EQ(CodecFromAttributes(7), std::nullopt);
}

TEST(CompressionTest, EveryCodecRoundTripsEmptySmallAndMultiBlockInputs) {
  for (Codec codec : kAllCodecs) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{100}, size_t{200000}}) {
      SCOPED_TRACE(absl::StrCat(CodecName(codec), " ", size));
      const std::string input = Sample(size);
      absl::StatusOr<std::string> compressed = Compress(codec, input);
      ASSERT_OK(compressed);
      if (codec != Codec::kNone && size == 200000) {
        EXPECT_LT(compressed->size(), size / 4);
      }
      absl::StatusOr<std::string> output = Decompress(codec, *compressed, kNoLimit);
      ASSERT_OK(output);
      EXPECT_EQ(*output, input);
    }
  }
}

TEST(CompressionTest, SnappyIsWrittenInTheJavaClientsXerialFraming) {
  absl::StatusOr<std::string> compressed = Compress(Codec::kSnappy, "abc");
  ASSERT_OK(compressed);
  EXPECT_EQ(compressed->substr(0, 16), std::string("\x82SNAPPY\0\0\0\0\1\0\0\0\1", 16));
}

TEST(CompressionTest, RawSnappyAsLibrdkafkaWritesItIsAccepted) {
  // A raw snappy block: varint length 5, a literal tag ((5 - 1) << 2), the bytes.
  absl::StatusOr<std::string> output =
      Decompress(Codec::kSnappy, std::string("\x05\x10hello", 7), kNoLimit);
  ASSERT_OK(output);
  EXPECT_EQ(*output, "hello");
}

TEST(CompressionTest, OtherImplementationsFramesDecompress) {
  for (const auto& [codec, bytes] : {std::pair{Codec::kGzip, kGzipCli},
                                     {Codec::kLz4, kLz4Cli},
                                     {Codec::kZstd, kZstdCliNoContentSize}}) {
    SCOPED_TRACE(CodecName(codec));
    absl::StatusOr<std::string> output = Decompress(codec, bytes, kNoLimit);
    ASSERT_OK(output);
    EXPECT_EQ(*output, kPlain);
  }
}

TEST(CompressionTest, ConcatenatedFramesDecompressAsOneStream) {
  for (Codec codec : kCompressingCodecs) {
    if (codec == Codec::kSnappy) continue;  // xerial has one header; blocks are its frames
    SCOPED_TRACE(CodecName(codec));
    absl::StatusOr<std::string> first = Compress(codec, "first ");
    absl::StatusOr<std::string> second = Compress(codec, "second");
    ASSERT_OK(first);
    ASSERT_OK(second);
    absl::StatusOr<std::string> output = Decompress(codec, *first + *second, kNoLimit);
    ASSERT_OK(output);
    EXPECT_EQ(*output, "first second");
  }
}

TEST(CompressionTest, OutputOfExactlyTheLimitIsAcceptedAndOneByteMoreIsNot) {
  const std::string input = Sample(150000);
  for (Codec codec : kAllCodecs) {
    SCOPED_TRACE(CodecName(codec));
    absl::StatusOr<std::string> compressed = Compress(codec, input);
    ASSERT_OK(compressed);
    EXPECT_OK(Decompress(codec, *compressed, input.size()));
    EXPECT_THAT(Decompress(codec, *compressed, input.size() - 1),
                StatusIs(absl::StatusCode::kResourceExhausted));
  }
}

TEST(CompressionTest, ADecompressionBombStopsAtTheLimit) {
  const std::string zeros(64 << 20, '\0');
  for (Codec codec : kCompressingCodecs) {
    SCOPED_TRACE(CodecName(codec));
    absl::StatusOr<std::string> bomb = Compress(codec, zeros);
    ASSERT_OK(bomb);
    ASSERT_LT(bomb->size(), size_t{4} << 20);
    EXPECT_THAT(Decompress(codec, *bomb, 1 << 20), StatusIs(absl::StatusCode::kResourceExhausted));
  }
}

TEST(CompressionTest, ASnappyBlockClaimingAHugeLengthIsRefusedBeforeAllocating) {
  // varint 0xffffffff then one literal byte.
  const std::string block("\xff\xff\xff\xff\x0f\x00x", 7);
  EXPECT_THAT(Decompress(Codec::kSnappy, block, 1 << 20),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(CompressionTest, TruncatedInputIsInvalidArgument) {
  const std::string input = Sample(5000);
  for (Codec codec : kCompressingCodecs) {
    SCOPED_TRACE(CodecName(codec));
    absl::StatusOr<std::string> compressed = Compress(codec, input);
    ASSERT_OK(compressed);
    for (size_t cut : {size_t{0}, size_t{3}, compressed->size() / 2, compressed->size() - 1}) {
      SCOPED_TRACE(cut);
      EXPECT_THAT(Decompress(codec, compressed->substr(0, cut), kNoLimit),
                  StatusIs(absl::StatusCode::kInvalidArgument));
    }
  }
}

TEST(CompressionTest, GarbageAndTrailingBytesAreInvalidArgument) {
  for (Codec codec : kCompressingCodecs) {
    SCOPED_TRACE(CodecName(codec));
    EXPECT_THAT(Decompress(codec, "this is not compressed data at all", kNoLimit),
                StatusIs(absl::StatusCode::kInvalidArgument));
    absl::StatusOr<std::string> compressed = Compress(codec, Sample(1000));
    ASSERT_OK(compressed);
    EXPECT_THAT(Decompress(codec, *compressed + "trailing", kNoLimit),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(CompressionTest, AFlippedByteInAChecksummedFrameIsInvalidArgument) {
  // gzip's trailer and the zstd CLI's frame (checksum flag set) end in a
  // checksum of the content; a changed checksum byte must be noticed.
  for (const auto& [codec, bytes] :
       {std::pair{Codec::kGzip, kGzipCli}, {Codec::kZstd, kZstdCliNoContentSize}}) {
    SCOPED_TRACE(CodecName(codec));
    std::string damaged = bytes;
    damaged[damaged.size() - 1] ^= 0x01;  // inside the trailing checksum
    EXPECT_THAT(Decompress(codec, damaged, kNoLimit), StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(CompressionTest, AnUnknownCodecValueIsInvalidArgument) {
  EXPECT_THAT(Compress(static_cast<Codec>(5), "x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Decompress(static_cast<Codec>(6), "x", kNoLimit),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace eventlog::compression
