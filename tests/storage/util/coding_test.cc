// Byte coding helpers.
#include "storage/util/coding.h"

#include <limits>

#include "gtest/gtest.h"

namespace eventlog::util {
namespace {

TEST(VarintTest, RoundTrip) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{300},
                     uint64_t{1} << 35, std::numeric_limits<uint64_t>::max()}) {
    char buf[10];
    char* end = coding::EncodeVarint(buf, v);
    EXPECT_EQ(static_cast<size_t>(end - buf), coding::VarintLength(v));
    uint64_t d;
    EXPECT_EQ(coding::DecodeVarint(buf, end, &d), end);
    EXPECT_EQ(d, v);
    EXPECT_EQ(coding::DecodeVarint(buf, end - 1, &d), nullptr);  // truncated
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(coding::ZigZagDecode(coding::ZigZagEncode(v)), v);
  }
}

}  // namespace
}  // namespace eventlog::util
