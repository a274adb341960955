// The one-member etcd cluster that every test of etcd_client_test shares,
// started before the first test and killed after the last (a gtest
// environment). Tests keep to keys under TestPrefix().
#pragma once

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "service/cluster/etcd/etcd_client.h"
#include "tests/service/cluster/etcd_cluster.h"

namespace eventlog::testing {

EtcdCluster& SharedEtcd();

// A new client of the shared cluster (aborts the test on error).
std::unique_ptr<etcd::EtcdClient> NewSharedEtcdClient();

// "/tests/<suite>.<test>/": a key prefix no other test uses.
std::string TestPrefix();

}  // namespace eventlog::testing
