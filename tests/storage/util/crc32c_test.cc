// CRC32C: both implementations against known vectors and each other.
#include "storage/util/crc32c.h"

#include <string>

#include "gtest/gtest.h"

namespace eventlog::util::crc32c {
namespace {

using ExtendFn = uint32_t (*)(uint32_t, const char*, size_t);

class Crc32cTest : public ::testing::TestWithParam<ExtendFn> {
 protected:
  void SetUp() override {
    if (GetParam() == &TEST_ExtendSse42 && !TEST_HasSse42()) {
      GTEST_SKIP() << "this CPU has no SSE4.2";
    }
  }
  uint32_t Crc(const std::string& s) { return GetParam()(0, s.data(), s.size()); }
};

TEST_P(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Crc(""), 0u);
  EXPECT_EQ(Crc("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc("a"), 0xC1D04330u);
  // RFC 3720 (iSCSI) test patterns.
  EXPECT_EQ(Crc(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(Crc(ascending), 0x46DD794Eu);
  EXPECT_EQ(Crc(descending), 0x113FDB5Cu);
}

TEST_P(Crc32cTest, ExtendEqualsWholeAndMatchesOtherImplementation) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7 + i / 13));
  const uint32_t whole = Crc(data);
  for (size_t split :
       {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{500}, size_t{999}}) {
    const uint32_t first = GetParam()(0, data.data(), split);
    EXPECT_EQ(GetParam()(first, data.data() + split, data.size() - split), whole) << split;
  }
  // Unaligned starts and odd lengths agree with the portable version.
  for (size_t start = 0; start < 9; ++start) {
    for (size_t len : {size_t{0}, size_t{3}, size_t{8}, size_t{15}, size_t{64}, size_t{991}}) {
      if (start + len > data.size()) continue;
      EXPECT_EQ(GetParam()(0, data.data() + start, len),
                TEST_ExtendPortable(0, data.data() + start, len));
    }
  }
  EXPECT_EQ(Value(data.data(), data.size()), whole);
}

// Long inputs take the three-stream path of the SSE4.2 version.
TEST_P(Crc32cTest, LongInputsMatchPortable) {
  std::string data(100'003, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
  for (size_t len :
       {size_t{6143}, size_t{6144}, size_t{6145}, size_t{12288}, size_t{50'000}, data.size()}) {
    for (size_t start : {size_t{0}, size_t{3}}) {
      if (start + len > data.size()) continue;
      const uint32_t expected = TEST_ExtendPortable(0x12345678, data.data() + start, len);
      EXPECT_EQ(GetParam()(0x12345678, data.data() + start, len), expected) << len;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Implementations, Crc32cTest,
                         ::testing::Values(&TEST_ExtendPortable, &TEST_ExtendSse42),
                         [](const ::testing::TestParamInfo<ExtendFn>& info) {
                           return info.param == &TEST_ExtendPortable ? "Portable" : "Sse42";
                         });

}  // namespace
}  // namespace eventlog::util::crc32c
