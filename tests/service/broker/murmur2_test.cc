#include "service/broker/murmur2.h"

#include <set>

#include "gtest/gtest.h"
#include "service/broker/partitioner.h"

namespace eventlog::broker {
namespace {

TEST(Murmur2Test, MatchesKafkaVectors) {
  // Values of org.apache.kafka.common.utils.Utils.murmur2 (Kafka's tests).
  EXPECT_EQ(Murmur2("21"), -973932308);
  EXPECT_EQ(Murmur2("foobar"), -790332482);
  EXPECT_EQ(Murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(Murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(Murmur2("abc"), 479470107);
}

TEST(Murmur2Test, CoversEveryTailLength) {
  // One to four bytes exercise the 1-, 2-, 3-byte tails and a full block;
  // high bytes check that bytes are taken as unsigned.
  EXPECT_NE(Murmur2("a"), Murmur2("b"));
  EXPECT_NE(Murmur2("ab"), Murmur2("ba"));
  EXPECT_NE(Murmur2("abcd"), Murmur2("abce"));
  EXPECT_NE(Murmur2("\xff"), Murmur2("\x7f"));
  EXPECT_EQ(Murmur2(""), Murmur2(absl::string_view()));
}

TEST(Murmur2Test, PartitionForKeyIsPositiveHashModuloPartitions) {
  // (murmur2 & 0x7fffffff) % n, computed by hand for the vectors above.
  EXPECT_EQ(PartitionForKey("21", 3), static_cast<int32_t>((-973932308 & 0x7fffffff) % 3));
  EXPECT_EQ(PartitionForKey("foobar", 7), static_cast<int32_t>((-790332482 & 0x7fffffff) % 7));
  EXPECT_EQ(PartitionForKey("abc", 10), 479470107 % 10);
  EXPECT_EQ(PartitionForKey("anything", 1), 0);
}

TEST(PartitionerTest, KeylessRoundRobinPerTopic) {
  Partitioner partitioner;
  EXPECT_EQ(partitioner.NextKeyless("a", 3), 0);
  EXPECT_EQ(partitioner.NextKeyless("a", 3), 1);
  EXPECT_EQ(partitioner.NextKeyless("b", 3), 0);  // Topics are independent.
  EXPECT_EQ(partitioner.NextKeyless("a", 3), 2);
  EXPECT_EQ(partitioner.NextKeyless("a", 3), 0);
  partitioner.Forget("a");
  EXPECT_EQ(partitioner.NextKeyless("a", 3), 0);
}

TEST(PartitionerTest, KeyedUsesMurmur2) {
  std::set<int32_t> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string key = "key-" + std::to_string(i);
    const int32_t partition = Partitioner::ForKey(key, 4);
    EXPECT_EQ(partition, PartitionForKey(key, 4));
    seen.insert(partition);
  }
  EXPECT_EQ(seen.size(), 4u);  // 100 keys spread over all partitions.
}

}  // namespace
}  // namespace eventlog::broker
