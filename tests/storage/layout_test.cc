// The data directory's file names and LevelDB keys (storage/layout.h).
#include "storage/layout.h"

#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "storage/util/coding.h"

namespace eventlog::storage {
namespace {

TEST(LayoutTest, SegmentFilesAreNamedByZeroPaddedBaseOffset) {
  EXPECT_EQ(layout::SegmentFileName(0), "00000000000000000000.log");
  EXPECT_EQ(layout::SegmentFileName(1234), "00000000000000001234.log");
  EXPECT_EQ(layout::SegmentPath("d", 7), "d/00000000000000000007.log");
  EXPECT_EQ(layout::CleanedPath("d", 7), "d/00000000000000000007.log.cleaned");
  EXPECT_EQ(layout::SwapPath("d", 7), "d/00000000000000000007.log.swap");
  int64_t base;
  EXPECT_EQ(layout::ParsePartitionFileName("00000000000000001234.log", &base),
            layout::PartitionFile::kSegment);
  EXPECT_EQ(base, 1234);
  EXPECT_EQ(layout::ParsePartitionFileName("00000000000000001234.log.cleaned", &base),
            layout::PartitionFile::kCleaned);
  EXPECT_EQ(layout::ParsePartitionFileName("00000000000000001234.log.swap", &base),
            layout::PartitionFile::kSwap);
  EXPECT_EQ(layout::ParsePartitionFileName("1234.log", &base), layout::PartitionFile::kOther);
  EXPECT_EQ(layout::ParsePartitionFileName("0000000000000000123x.log", &base),
            layout::PartitionFile::kOther);
  EXPECT_EQ(layout::ParsePartitionFileName("00000000000000001234.log.tmp", &base),
            layout::PartitionFile::kOther);
}

TEST(LayoutTest, BytewiseOrderIsNumericOrder) {
  const int64_t offsets[] = {0, 1, 255, 256, 65535, 1LL << 40, std::numeric_limits<int64_t>::max()};
  for (size_t i = 0; i + 1 < std::size(offsets); ++i) {
    EXPECT_LT(layout::PartitionKey('o', 1, 2, offsets[i]),
              layout::PartitionKey('o', 1, 2, offsets[i + 1]));
  }
  // Partitions and topics do not interleave.
  EXPECT_LT(layout::PartitionKey('o', 1, 2, std::numeric_limits<int64_t>::max()),
            layout::PartitionKey('o', 1, 3, 0));
  EXPECT_LT(layout::PartitionKey('o', 1, 0x7fffffff, 5), layout::PartitionKey('o', 2, 0, 0));
  // Signed timestamps keep their order.
  const int64_t times[] = {std::numeric_limits<int64_t>::min(), -1000, -1, 0, 1, 1700000000000};
  for (size_t i = 0; i + 1 < std::size(times); ++i) {
    std::string a, b;
    util::coding::AppendBigEndian64(&a, util::coding::OrderPreservingFromSigned(times[i]));
    util::coding::AppendBigEndian64(&b, util::coding::OrderPreservingFromSigned(times[i + 1]));
    EXPECT_LT(a, b);
  }
  EXPECT_EQ(layout::PrefixEnd("ab\xff"), "ac");
}

}  // namespace
}  // namespace eventlog::storage
