#include "tests/service/cluster/shared_etcd.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace eventlog::testing {
namespace {

std::unique_ptr<EtcdCluster>& Cluster() {
  static std::unique_ptr<EtcdCluster> cluster;  // reset by the environment's TearDown
  return cluster;
}

class SharedEtcdEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<EtcdCluster>> cluster = EtcdCluster::Start(1);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    Cluster() = std::move(*cluster);
  }
  void TearDown() override { Cluster().reset(); }
};

// gtest takes ownership of the environment.
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new SharedEtcdEnvironment());

}  // namespace

EtcdCluster& SharedEtcd() { return *Cluster(); }

std::unique_ptr<etcd::EtcdClient> NewSharedEtcdClient() {
  etcd::EtcdClientOptions options;
  options.endpoints = SharedEtcd().endpoints();
  absl::StatusOr<std::unique_ptr<etcd::EtcdClient>> client = etcd::EtcdClient::Create(options);
  if (!client.ok()) {
    std::cerr << "EtcdClient::Create: " << client.status() << "\n";
    std::abort();
  }
  return std::move(*client);
}

std::string TestPrefix() {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  return absl::StrCat("/tests/", test->test_suite_name(), ".", test->name(), "/");
}

}  // namespace eventlog::testing
