// A broker's registration after it lost its lease (docs/CLUSTER.md,
// "Failures"): it registers again with the same compare-and-create as the
// first time, so it never overwrites a registration of its id held under
// another lease (another broker with the same --broker_id); it leads
// nothing until that registration goes, then registers again.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "service/cluster/etcd/etcd_client.h"
#include "tests/eventually.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/test_util.h"

namespace eventlog::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(BrokerRegistrationTest, ARegistrationHeldUnderAnotherLeaseIsNeverOverwritten) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BrokerCluster> cluster, BrokerCluster::Start());
  etcd::EtcdClientOptions etcd_options;
  etcd_options.endpoints = cluster->etcd().endpoints();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<etcd::EtcdClient> etcd,
                       etcd::EtcdClient::Create(etcd_options));
  const int index = 2;  // broker id 3
  const int32_t id = BrokerCluster::BrokerId(index);
  const std::string key = absl::StrCat("/eventlog/brokers/", id);
  ASSERT_OK_AND_ASSIGN(etcd::RangeResult registration, etcd->Range(etcd::KeyRange::Key(key)));
  ASSERT_EQ(registration.kvs.size(), 1u);
  const int64_t broker_lease = registration.kvs[0].lease;
  ASSERT_NE(broker_lease, 0);

  ASSERT_OK(CreateTopic(cluster->address(0), "held", 6));
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(cluster->address(0), "held"));
  int32_t led = -1;
  for (const auto& [partition, leader] : leaders) {
    if (leader == id) led = partition;
  }
  ASSERT_GE(led, 0) << "broker " << id << " leads no partition";
  ASSERT_OK(ProduceTo(cluster->address(0), "held", led, {"before"}).status());

  // Another holder of the id (as a second broker started with it would be)
  // takes the key under its own lease; then the broker's lease goes.
  ASSERT_OK_AND_ASSIGN(etcd::GrantedLease other, etcd->GrantLease(60));
  ASSERT_OK(etcd->Put(key, registration.kvs[0].value, other.id).status());
  ASSERT_OK(etcd->RevokeLease(broker_lease));

  // The broker, with a new lease, finds the key held and says so...
  ASSERT_TRUE(Eventually([&] {
    return absl::StrContains(ReadFile(cluster->log_path(index)),
                             "is registered under another lease");
  })) << cluster->LogTails();
  // ...leaves it alone (a plain put would have bound it to its new lease)...
  ASSERT_OK_AND_ASSIGN(registration, etcd->Range(etcd::KeyRange::Key(key)));
  ASSERT_EQ(registration.kvs.size(), 1u);
  EXPECT_EQ(registration.kvs[0].lease, other.id);
  // ...and leads nothing: its partition is refused, through it or forwarded.
  for (int via : {index, 0}) {
    absl::StatusOr<v1::ProduceResponse> refused =
        ProduceTo(cluster->address(via), "held", led, {"refused"});
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable)
        << "through broker " << via << ": " << refused.status();
  }

  // Once the other registration goes, the broker registers again and leads.
  ASSERT_OK(etcd->RevokeLease(other.id));
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<etcd::RangeResult> now = etcd->Range(etcd::KeyRange::Key(key));
    return now.ok() && now->kvs.size() == 1 && now->kvs[0].lease != other.id;
  })) << cluster->LogTails();
  ASSERT_OK(cluster->WaitForMembership());
  ASSERT_TRUE(Eventually([&] {
    return ProduceTo(cluster->address(0), "held", led, {"after"}).ok();
  })) << cluster->LogTails();
}

}  // namespace
}  // namespace eventlog::testing
