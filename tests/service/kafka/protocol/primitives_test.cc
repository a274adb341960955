// KafkaReader / KafkaWriter primitives, headers and the frame splitter.
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "service/kafka/protocol/api_versions_table.h"
#include "service/kafka/protocol/frame_splitter.h"
#include "service/kafka/protocol/kafka_reader.h"
#include "service/kafka/protocol/kafka_writer.h"
#include "service/kafka/protocol/request_header.h"
#include "tests/test_util.h"

namespace eventlog::kafka {
namespace {

using ::eventlog::testing::StatusIs;

TEST(KafkaPrimitivesTest, ClassicEncodingsAreBigEndianWithInt16AndInt32Lengths) {
  std::string out;
  KafkaWriter w(&out, /*flexible=*/false);
  w.Int16(0x0102);
  w.Int32(-2);
  w.String("ab");
  w.NullableString(std::nullopt);
  w.Bytes("x");
  std::vector<int32_t> numbers = {7};
  w.Array(numbers, [&](int32_t& n) { w.Int32(n); });
  EXPECT_EQ(absl::BytesToHexString(out),
            "0102fffffffe"
            "00026162"
            "ffff"
            "0000000178"
            "0000000100000007");
}

TEST(KafkaPrimitivesTest, FlexibleEncodingsUseLengthPlusOneAndTaggedFields) {
  std::string out;
  KafkaWriter w(&out, /*flexible=*/true);
  w.String("ab");
  w.NullableString(std::nullopt);
  w.NullableBytes(std::string(""));
  std::optional<std::vector<int32_t>> none;
  w.NullableArray(none, [&](int32_t& n) { w.Int32(n); });
  w.TaggedFields();
  EXPECT_EQ(absl::BytesToHexString(out),
            "036162"
            "00"
            "01"
            "00"
            "00");
}

TEST(KafkaPrimitivesTest, VarintsRoundTripAtTheirLimits) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{INT32_MIN}, int64_t{INT32_MAX},
                    INT64_MIN, INT64_MAX}) {
    std::string out;
    KafkaWriter w(&out, false);
    w.Varlong(v);
    if (v >= INT32_MIN && v <= INT32_MAX) w.Varint(static_cast<int32_t>(v));
    KafkaReader r(out, false);
    int64_t back = 0;
    r.Varlong(back);
    EXPECT_EQ(back, v);
    if (v >= INT32_MIN && v <= INT32_MAX) {
      int32_t back32 = 0;
      r.Varint(back32);
      EXPECT_EQ(back32, v);
    }
    EXPECT_OK(r.Finish());
  }
  uint32_t u = 0;
  const std::string too_long_bytes("\xff\xff\xff\xff\x7f", 5);
  KafkaReader too_long(too_long_bytes, false);
  too_long.UnsignedVarint(u);
  EXPECT_THAT(too_long.status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(KafkaPrimitivesTest, UnknownTaggedFieldsAreSkipped) {
  // Two tags: tag 0 with 3 bytes, tag 5 with 1 byte; then an int8.
  const std::string bytes(
      "\x02\x00\x03"
      "abc"
      "\x05\x01"
      "z"
      "\x2a",
      10);
  KafkaReader r(bytes, /*flexible=*/true);
  r.TaggedFields();
  int8_t after = 0;
  r.Int8(after);
  EXPECT_EQ(after, 42);
  EXPECT_OK(r.Finish());
}

TEST(KafkaPrimitivesTest, ATaggedFieldLongerThanTheBodyIsMalformed) {
  const std::string bytes(
      "\x01\x00\x10"
      "ab",
      5);
  KafkaReader r(bytes, /*flexible=*/true);
  r.TaggedFields();
  EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(KafkaPrimitivesTest, AnArrayCountAboveTheBytesLeftFailsBeforeAllocating) {
  const std::string bytes("\x7f\xff\xff\xff\x00\x00", 6);
  KafkaReader r(bytes, /*flexible=*/false);
  std::vector<int32_t> v;
  r.Array(v, [&](int32_t& n) { r.Int32(n); });
  EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(v.empty());
}

TEST(KafkaPrimitivesTest, NullWhereNoneIsAllowedAndNegativeLengthsAreMalformed) {
  std::string s;
  const std::string null_string_bytes("\xff\xff", 2);
  KafkaReader null_string(null_string_bytes, false);
  null_string.String(s);
  EXPECT_THAT(null_string.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  std::optional<std::string> b;
  const std::string negative_bytes_bytes("\xff\xff\xff\xfe", 4);
  KafkaReader negative_bytes(negative_bytes_bytes, false);
  negative_bytes.NullableBytes(b);
  EXPECT_THAT(negative_bytes.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<int32_t> v;
  const std::string null_array_bytes("\x00", 1);
  KafkaReader null_array(null_array_bytes, true);
  null_array.Array(v, [&](int32_t& n) { null_array.Int32(n); });
  EXPECT_THAT(null_array.status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(KafkaPrimitivesTest, TruncationIsStickyAndLaterReadsYieldDefaults) {
  const std::string r_bytes("\x00\x01\x02", 3);
  KafkaReader r(r_bytes, false);
  int32_t a = 5;
  int16_t b = 5;
  r.Int32(a);
  r.Int16(b);
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 0);
  EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(KafkaPrimitivesTest, TrailingBytesFailFinish) {
  const std::string r_bytes("\x00\x01\x02", 3);
  KafkaReader r(r_bytes, false);
  int16_t v = 0;
  r.Int16(v);
  EXPECT_THAT(r.Finish(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RequestHeaderTest, FlexibleRequestsUseHeaderV2WithAClassicClientId) {
  // ApiVersions v3 as librdkafka sends it: key 18, version 3, correlation 1,
  // client id "rdkafka" (int16 length), empty tagged fields; then the body.
  const std::string frame(
      "\x00\x12\x00\x03\x00\x00\x00\x01\x00\x07rdkafka\x00"
      "BODY",
      22);
  absl::string_view body;
  absl::StatusOr<RequestHeader> header = RequestHeader::Decode(frame, &body);
  ASSERT_OK(header);
  EXPECT_EQ(header->api_key, 18);
  EXPECT_EQ(header->api_version, 3);
  EXPECT_EQ(header->correlation_id, 1);
  EXPECT_EQ(header->client_id, "rdkafka");
  EXPECT_EQ(body, "BODY");
  EXPECT_EQ(header->Encode(), frame.substr(0, 18));
}

TEST(RequestHeaderTest, ClassicRequestsUseHeaderV1AndANullClientIdIsAllowed) {
  const std::string frame(
      "\x00\x03\x00\x01\x00\x00\x00\x09\xff\xff"
      "B",
      11);
  absl::string_view body;
  absl::StatusOr<RequestHeader> header = RequestHeader::Decode(frame, &body);
  ASSERT_OK(header);
  EXPECT_EQ(header->client_id, std::nullopt);
  EXPECT_EQ(body, "B");
}

TEST(RequestHeaderTest, AnUnsupportedVersionYieldsTheFixedPartOnly) {
  const std::string frame("\x00\x12\x00\x63\x00\x00\x00\x07whatever", 16);
  absl::string_view body;
  absl::StatusOr<RequestHeader> header = RequestHeader::Decode(frame, &body);
  ASSERT_OK(header);
  EXPECT_EQ(header->api_version, 99);
  EXPECT_EQ(header->correlation_id, 7);
  EXPECT_EQ(body, "whatever");
}

TEST(RequestHeaderTest, AShortHeaderIsMalformed) {
  absl::string_view body;
  EXPECT_THAT(RequestHeader::Decode(std::string("\x00\x12\x00", 3), &body),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ApiTableTest, FlexibilityAndHeaderVersionsFollowTheTable) {
  EXPECT_TRUE(IsFlexible(ApiKey::kApiVersions, 3));
  EXPECT_FALSE(IsFlexible(ApiKey::kApiVersions, 2));
  EXPECT_EQ(ResponseHeaderVersion(ApiKey::kApiVersions, 3), 0);
  EXPECT_EQ(ResponseHeaderVersion(ApiKey::kOffsetFetch, 6), 1);
  EXPECT_EQ(ResponseHeaderVersion(ApiKey::kOffsetFetch, 5), 0);
  EXPECT_EQ(RequestHeaderVersion(ApiKey::kInitProducerId, 2), 2);
  EXPECT_TRUE(IsSupported(0, 0));   // Produce v0: librdkafka compresses only then
  EXPECT_FALSE(IsSupported(0, 9));  // the first flexible Produce: not served
  EXPECT_FALSE(IsSupported(7, 0));  // ControlledShutdown: not implemented
}

TEST(FrameSplitterTest, FramesSplitAcrossReadsComeOutWhole) {
  FrameSplitter splitter(100);
  const std::string stream(
      "\x00\x00\x00\x03"
      "abc"
      "\x00\x00\x00\x00"
      "\x00\x00\x00\x02"
      "xy",
      17);
  std::vector<std::string> frames;
  for (char c : stream) {
    splitter.Append(absl::string_view(&c, 1));
    while (true) {
      absl::StatusOr<std::optional<std::string>> next = splitter.Next();
      ASSERT_OK(next);
      if (!next->has_value()) break;
      frames.push_back(**next);
    }
  }
  EXPECT_EQ(frames, (std::vector<std::string>{"abc", "", "xy"}));
  EXPECT_EQ(splitter.buffered(), 0u);
}

TEST(FrameSplitterTest, AnOversizedFrameFailsOnItsSizeAlone) {
  FrameSplitter splitter(100);
  splitter.Append(std::string("\x00\x00\x00\x65", 4));  // 101
  EXPECT_THAT(splitter.Next(), StatusIs(absl::StatusCode::kResourceExhausted));
  FrameSplitter exact(100);
  exact.Append(std::string("\x00\x00\x00\x64", 4));  // 100: waits for the body
  absl::StatusOr<std::optional<std::string>> next = exact.Next();
  ASSERT_OK(next);
  EXPECT_FALSE(next->has_value());
}

TEST(FrameSplitterTest, ANegativeSizeIsInvalid) {
  FrameSplitter splitter(100);
  splitter.Append(std::string("\xff\xff\xff\xff", 4));
  EXPECT_THAT(splitter.Next(), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace eventlog::kafka
