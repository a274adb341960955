// ClusterKeys and ClusterState: the key layout parses back, and the state
// follows a snapshot and the changes after it.
#include "service/cluster/cluster_state.h"

#include <gtest/gtest.h>

#include "service/cluster/cluster_keys.h"
#include "service/cluster/metadata_json.h"

namespace eventlog::cluster {
namespace {

namespace cv1 = ::eventlog::cluster::v1;

TEST(ClusterKeysTest, EveryKeyParsesBackAndForeignKeysAreUnknown) {
  const ClusterKeys keys("/eventlog");
  EXPECT_EQ(keys.Parse(keys.Cluster()).kind, ClusterKeys::Parsed::Kind::kCluster);
  EXPECT_EQ(keys.Parse(keys.Controller()).kind, ClusterKeys::Parsed::Kind::kController);
  ClusterKeys::Parsed broker = keys.Parse(keys.Broker(12));
  EXPECT_EQ(broker.kind, ClusterKeys::Parsed::Kind::kBroker);
  EXPECT_EQ(broker.broker, 12);
  ClusterKeys::Parsed topic = keys.Parse(keys.Topic("a.b-c_1"));
  EXPECT_EQ(topic.kind, ClusterKeys::Parsed::Kind::kTopic);
  EXPECT_EQ(topic.topic, "a.b-c_1");
  ClusterKeys::Parsed partition = keys.Parse(keys.Partition("orders", 11));
  EXPECT_EQ(partition.kind, ClusterKeys::Parsed::Kind::kPartition);
  EXPECT_EQ(partition.topic, "orders");
  EXPECT_EQ(partition.partition, 11);
  EXPECT_EQ(keys.Parse("/eventlog2/cluster").kind, ClusterKeys::Parsed::Kind::kUnknown);
  EXPECT_EQ(keys.Parse("/eventlog/brokers/x").kind, ClusterKeys::Parsed::Kind::kUnknown);
  EXPECT_EQ(keys.Parse("/eventlog/partitions/orders").kind, ClusterKeys::Parsed::Kind::kUnknown);
}

etcd::KeyValue Kv(std::string key, const google::protobuf::Message& value, int64_t create,
                  int64_t mod) {
  etcd::KeyValue kv;
  kv.key = std::move(key);
  kv.value = ToJson(value);
  kv.create_revision = create;
  kv.mod_revision = mod;
  return kv;
}

TEST(ClusterStateTest, FollowsASnapshotAndTheChangesAfterIt) {
  const ClusterKeys keys("/eventlog");
  cv1::BrokerRegistration broker;
  broker.set_id(1);
  broker.set_address("h1:7070");
  cv1::TopicRecord topic;
  topic.set_partitions(2);
  cv1::PartitionState state;
  state.add_replicas(1);
  state.set_leader(1);
  state.add_isr(1);
  etcd::RangeResult snapshot;
  snapshot.revision = 10;
  snapshot.kvs = {Kv(keys.Broker(1), broker, 3, 3), Kv(keys.Topic("t"), topic, 7, 7),
                  Kv(keys.Partition("t", 0), state, 7, 7), Kv(keys.Partition("t", 1), state, 7, 7)};
  etcd::KeyValue junk;
  junk.key = keys.Topic("broken");
  junk.value = "{not json";
  snapshot.kvs.push_back(junk);
  ClusterState cluster;
  cluster.Reset(keys, snapshot);
  EXPECT_EQ(cluster.revision(), 10);
  ASSERT_NE(cluster.FindBroker(1), nullptr);
  EXPECT_EQ(cluster.FindBroker(1)->address, "h1:7070");
  ASSERT_NE(cluster.FindTopic("t"), nullptr);
  EXPECT_EQ(cluster.FindTopic("t")->id, 7u) << "the topic key's create revision";
  EXPECT_EQ(cluster.FindTopic("broken"), nullptr) << "skipped, not fatal";
  ASSERT_NE(cluster.FindPartition("t", 1), nullptr);
  EXPECT_EQ(cluster.FindPartition("t", 1)->mod_revision, 7);

  state.set_leader(-1);
  state.set_leader_epoch(1);
  etcd::WatchEvent offline{etcd::WatchEvent::Type::kPut, Kv(keys.Partition("t", 1), state, 7, 11)};
  etcd::WatchEvent gone{etcd::WatchEvent::Type::kDelete, etcd::KeyValue{}};
  gone.kv.key = keys.Broker(1);
  gone.kv.mod_revision = 11;
  cluster.Apply(keys, {offline, gone});
  EXPECT_EQ(cluster.revision(), 11);
  EXPECT_EQ(cluster.FindBroker(1), nullptr);
  EXPECT_EQ(cluster.FindPartition("t", 1)->leader, -1);
  EXPECT_EQ(cluster.FindPartition("t", 0)->leader, 1);

  etcd::WatchEvent deleted{etcd::WatchEvent::Type::kDelete, etcd::KeyValue{}};
  deleted.kv.key = keys.Topic("t");
  deleted.kv.mod_revision = 12;
  cluster.Apply(keys, {deleted});
  EXPECT_EQ(cluster.FindTopic("t"), nullptr);
  EXPECT_EQ(cluster.FindPartition("t", 0), nullptr);
}

TEST(ClusterStateTest, ABrokersKafkaAddressIsKeptAndOptional) {
  const ClusterKeys keys("/eventlog");
  cv1::BrokerRegistration with_kafka;
  with_kafka.set_id(1);
  with_kafka.set_address("h1:7070");
  with_kafka.set_kafka_address("h1:9092");
  etcd::RangeResult snapshot;
  snapshot.revision = 5;
  // A registration written by a broker that predates the field.
  etcd::KeyValue older;
  older.key = keys.Broker(2);
  older.value = R"({"id":2,"address":"h2:7070","startedMs":"1"})";
  older.create_revision = older.mod_revision = 4;
  snapshot.kvs = {Kv(keys.Broker(1), with_kafka, 3, 3), older};
  ClusterState cluster;
  cluster.Reset(keys, snapshot);
  ASSERT_NE(cluster.FindBroker(1), nullptr);
  EXPECT_EQ(cluster.FindBroker(1)->kafka_address, "h1:9092");
  ASSERT_NE(cluster.FindBroker(2), nullptr);
  EXPECT_EQ(cluster.FindBroker(2)->address, "h2:7070");
  EXPECT_EQ(cluster.FindBroker(2)->kafka_address, "") << "no Kafka listener";
}

}  // namespace
}  // namespace eventlog::cluster
