#include "service/cluster/etcd/channel_target.h"

#include "tests/test_util.h"

namespace eventlog::etcd {
namespace {

using ::eventlog::testing::StatusIs;

TEST(ChannelTargetTest, OneEndpointIsResolvedByGrpc) {
  EXPECT_EQ(*ChannelTarget("etcd.example:2379"), "dns:///etcd.example:2379");
  EXPECT_EQ(*ChannelTarget("http://127.0.0.1:2379/"), "dns:///127.0.0.1:2379");
  EXPECT_EQ(*ChannelTarget("[::1]:2379"), "dns:///[::1]:2379");
}

TEST(ChannelTargetTest, SeveralEndpointsBecomeOneRoundRobinAddressList) {
  EXPECT_EQ(*ChannelTarget("127.0.0.1:1, 127.0.0.2:2,http://127.0.0.3:3"),
            "ipv4:127.0.0.1:1,127.0.0.2:2,127.0.0.3:3");
  EXPECT_EQ(*ChannelTarget("[::1]:1,[::1]:2"), "ipv6:[::1]:1,[::1]:2");
}

TEST(ChannelTargetTest, HostNamesAmongSeveralAreResolvedPreferringIpv4) {
  EXPECT_EQ(*ChannelTarget("localhost:1,127.0.0.2:2"), "ipv4:127.0.0.1:1,127.0.0.2:2");
}

TEST(ChannelTargetTest, MalformedListsAreInvalid) {
  EXPECT_THAT(ChannelTarget(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ChannelTarget(" , "), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ChannelTarget("127.0.0.1"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ChannelTarget("127.0.0.1:0"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ChannelTarget("127.0.0.1:65536"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ChannelTarget("::1:2379"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ChannelTarget("https://127.0.0.1:2379"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ChannelTarget("127.0.0.1:1,[::1]:2"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace eventlog::etcd
