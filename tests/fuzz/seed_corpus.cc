// Writes the seed corpora of the fuzz targets from the real writers (a real
// store for segments, the index encoders, the generated proto classes):
//   fuzz_seed_corpus <tests/fuzz/corpus>
// Run by hand after a change to the batch format, the key encodings or the
// proto (docs/FUZZING.md); the output is checked in. Input layouts are the
// ones documented at the top of each *_fuzzer.cc.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "eventlog/v1/eventlog.pb.h"
#include "storage/format/record_batch_builder.h"
#include "storage/layout.h"
#include "storage/store.h"
#include "storage/topic_registry.h"
#include "storage/util/coding.h"
#include "tests/temp_dir.h"

namespace eventlog::fuzz {
namespace {

namespace stdfs = std::filesystem;
namespace v1 = ::eventlog::v1;
using util::coding::AppendBigEndian32;
using util::coding::AppendBigEndian64;

void Write(const stdfs::path& dir, const std::string& name, const std::string& bytes) {
  stdfs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::cerr << "cannot write " << (dir / name) << "\n";
    std::exit(1);
  }
}

std::string ReadFile(const stdfs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Le64(int64_t v) {
  std::string s(8, '\0');
  util::coding::PutFixed64(s.data(), static_cast<uint64_t>(v));
  return s;
}

// Segment files written by a real store: a compact topic's and a plain
// one's (keys, empty values, headers, timestamps out of order).
std::vector<std::string> RealSegments() {
  eventlog::testing::TempDir dir;
  storage::StoreOptions options;
  options.data_dir = dir.path() + "/data";
  options.cleanup_interval_ms = 0;
  std::vector<std::string> segments;
  {
    auto store = storage::Store::Open(options);
    if (!store.ok()) std::abort();
    storage::LogConfig config;
    config.segment_bytes = 400;
    auto topic = (*store)->CreateTopic("seed", 1, config);
    if (!topic.ok()) std::abort();
    for (int i = 0; i < 6; ++i) {
      storage::RecordBatchBuilder batch;
      const storage::HeaderView header{"trace", "abc"};
      batch.Add("key" + std::to_string(i % 2), std::string(20 + i, 'v'), {&header, 1},
                1700000000000 + i * 1000);
      batch.Add("", "", {}, 1700000000000 - i);
      if (!(*topic)->partition(0)->Append(std::move(batch), storage::Durability::kAll).ok()) {
        std::abort();
      }
    }
    if (!(*store)->Close().ok()) std::abort();
  }
  for (const auto& e : stdfs::recursive_directory_iterator(options.data_dir)) {
    int64_t base;
    if (storage::layout::ParsePartitionFileName(e.path().filename().string(), &base) ==
        storage::layout::PartitionFile::kSegment) {
      segments.push_back(ReadFile(e.path()));
    }
  }
  std::sort(segments.begin(), segments.end());
  return segments;
}

void RecordBatchCorpus(const stdfs::path& dir, const std::vector<std::string>& segments) {
  for (size_t i = 0; i < segments.size(); ++i) {
    Write(dir, "segment" + std::to_string(i), std::string(1, '\0') + segments[i]);
    Write(dir, "segment" + std::to_string(i) + "_fixcrc_keep", std::string(1, '\3') + segments[i]);
  }
  const std::string& s = segments.front();
  Write(dir, "torn_tail", std::string(1, '\0') + s.substr(0, s.size() - 7));
  std::string flipped = s;
  flipped[60] = static_cast<char>(flipped[60] ^ 0x40);
  Write(dir, "flipped_record_byte_fixcrc", std::string(1, '\1') + flipped);
}

void SegmentRecoveryCorpus(const stdfs::path& dir, const std::vector<std::string>& segments) {
  const std::string ts = Le64(1700000000500);
  const std::string& s = segments.front();
  Write(dir, "valid_active", std::string(1, '\0') + ts + s);
  Write(dir, "valid_sealed", std::string(1, '\1') + ts + s);
  Write(dir, "torn_active", std::string(1, '\0') + ts + s.substr(0, s.size() - 5));
  Write(dir, "empty_active", std::string(1, '\0') + ts);
  std::string flipped = s;
  flipped[70] = static_cast<char>(flipped[70] ^ 1);
  Write(dir, "bad_crc_sealed", std::string(1, '\1') + ts + flipped);
  Write(dir, "flipped_fixcrc_compact", std::string(1, '\x12') + ts + flipped);
  Write(dir, "lost_index", std::string(1, '\4') + ts + s);
  std::string extra = std::string(1, '\x08') + ts;
  AppendBigEndian32(&extra, 0);  // the u32 is read little-endian: 0 either way
  extra.push_back(static_cast<char>(segments.back().size() & 0xff));
  extra.push_back(static_cast<char>(segments.back().size() >> 8));
  extra += segments.back() + s;
  Write(dir, "extra_segment", extra);
}

// One entry of the index target: space, u8-length suffix, u8-length value.
std::string Entry(uint8_t space, const std::string& suffix, const std::string& value) {
  std::string out(1, static_cast<char>(space));
  out.push_back(static_cast<char>(suffix.size()));
  out += suffix;
  out.push_back(static_cast<char>(value.size()));
  out += value;
  return out;
}

std::string Probes(int64_t a, int64_t b, int64_t c) { return Le64(a) + Le64(b) + Le64(c); }

void IndexCorpus(const stdfs::path& dir) {
  std::string offset_key;
  AppendBigEndian64(&offset_key, 15);
  const std::string offset_entry = Entry(0, offset_key, Le64(0) + Le64(4096) + Le64(2500));
  std::string time_key;
  AppendBigEndian64(&time_key, util::coding::OrderPreservingFromSigned(2500));
  AppendBigEndian64(&time_key, 15);
  const std::string time_entry = Entry(1, time_key, "");
  std::string commit_key;
  AppendBigEndian32(&commit_key, 2);
  commit_key += "g1";
  AppendBigEndian32(&commit_key, 1);
  commit_key += "t";
  AppendBigEndian32(&commit_key, 0);
  const std::string commit_entry = Entry(2, commit_key, Le64(42) + "meta");
  storage::TopicRecord record;
  record.id = 1;
  record.name = "orders";
  record.partitions = 3;
  std::string topic_key;
  AppendBigEndian64(&topic_key, 1);
  const std::string topic_entry = Entry(3, topic_key, storage::TopicRegistry::Encode(record));
  const std::string counter_entry = Entry(4, "", Le64(2));

  Write(dir, "offset_index", Probes(12, 40, 30) + offset_entry);
  Write(dir, "time_index", Probes(3000, 10, 2000) + time_entry);
  Write(dir, "committed_offset", Probes(0, 0, 0) + commit_entry);
  Write(dir, "topic_record", Probes(0, 0, 0) + topic_entry + counter_entry);
  Write(dir, "everything",
        Probes(15, 16, 2501) + offset_entry + time_entry + commit_entry + topic_entry +
            counter_entry);
}

// One request of the broker target: rpc byte, u16-length message.
std::string Op(uint8_t rpc, const google::protobuf::Message& message) {
  const std::string bytes = message.SerializeAsString();
  std::string out(1, static_cast<char>(rpc));
  out.push_back(static_cast<char>(bytes.size() & 0xff));
  out.push_back(static_cast<char>(bytes.size() >> 8));
  return out + bytes;
}

void BrokerCorpus(const stdfs::path& dir) {
  // Kinds in the order of broker_request_fuzzer.cc's RequestKind.
  enum : uint8_t {
    kCreate,
    kDelete,
    kList,
    kDescribe,
    kProduce,
    kFetch,
    kListOffsets,
    kCommit,
    kFetchCommitted,
    kListGroups,
    kDescribeGroup,
    kSubscribe
  };
  v1::CreateTopicRequest create;
  create.set_name("t");
  create.set_partitions(2);
  v1::CreateTopicRequest compact = create;
  compact.set_name("c");
  compact.mutable_config()->set_cleanup_policy(v1::CLEANUP_POLICY_COMPACT);
  compact.mutable_config()->set_segment_bytes(1024);
  v1::ProduceRequest produce;
  produce.set_topic("t");
  for (int i = 0; i < 3; ++i) {
    v1::Record* r = produce.add_records();
    r->set_key("key" + std::to_string(i));
    r->set_value("value" + std::to_string(i));
    r->set_timestamp_ms(1000 + i);
    v1::Header* h = r->add_headers();
    h->set_key("h");
    h->set_value("v");
  }
  v1::ProduceRequest to_partition = produce;
  to_partition.set_partition(1);
  to_partition.set_acks(v1::ACKS_LEADER);
  v1::FetchRequest fetch;
  fetch.set_topic("t");
  fetch.set_partition(1);
  v1::ListOffsetsRequest list_offsets;
  list_offsets.set_topic("t");
  list_offsets.set_spec(v1::OFFSET_SPEC_TIMESTAMP);
  list_offsets.set_timestamp_ms(1001);
  v1::CommitOffsetRequest commit;
  commit.set_group("g");
  commit.set_topic("t");
  commit.set_partition(1);
  commit.set_offset(2);
  commit.set_metadata("m");
  v1::FetchCommittedOffsetsRequest committed;
  committed.set_group("g");
  committed.set_topic("t");
  v1::DescribeGroupRequest describe_group;
  describe_group.set_group("g");
  v1::SubscribeRequest explicit_sub;
  explicit_sub.set_topic("t");
  explicit_sub.set_start_from(v1::START_FROM_EARLIEST);
  v1::SubscribeRequest group_sub;
  group_sub.set_topic("t");
  group_sub.set_group("g");
  group_sub.set_reset_to(v1::START_FROM_EARLIEST);
  v1::DescribeTopicRequest describe;
  describe.set_name("t");
  v1::DeleteTopicRequest del;
  del.set_name("t");
  const v1::ListTopicsRequest list;

  Write(dir, "create_produce_fetch",
        Op(kCreate, create) + Op(kProduce, produce) + Op(kProduce, to_partition) +
            Op(kFetch, fetch) + Op(kDescribe, describe) + Op(kList, list));
  Write(dir, "offsets_and_commits",
        Op(kCreate, create) + Op(kProduce, to_partition) + Op(kListOffsets, list_offsets) +
            Op(kCommit, commit) + Op(kFetchCommitted, committed) + Op(kListGroups, list) +
            Op(kDescribeGroup, describe_group));
  Write(dir, "subscriptions",
        Op(kCreate, create) + Op(kProduce, produce) + Op(kSubscribe, explicit_sub) +
            Op(kSubscribe, group_sub) + Op(kSubscribe, group_sub) + Op(kProduce, to_partition) +
            Op(kDescribeGroup, describe_group) + Op(kCommit, commit));
  Write(dir, "compact_topic_and_delete",
        Op(kCreate, compact) + Op(kCreate, create) + Op(kProduce, produce) +
            Op(kSubscribe, explicit_sub) + Op(kDelete, del) + Op(kFetch, fetch));
}

}  // namespace
}  // namespace eventlog::fuzz

int main(int argc, char** argv) {
  using namespace eventlog::fuzz;
  if (argc != 2) {
    std::cerr << "usage: fuzz_seed_corpus <tests/fuzz/corpus>\n";
    return 2;
  }
  const stdfs::path out = argv[1];
  const std::vector<std::string> segments = RealSegments();
  RecordBatchCorpus(out / "record_batch_fuzzer", segments);
  SegmentRecoveryCorpus(out / "segment_recovery_fuzzer", segments);
  IndexCorpus(out / "index_decoding_fuzzer");
  BrokerCorpus(out / "broker_request_fuzzer");
  std::cout << "wrote seed corpora under " << out << "\n";
  return 0;
}
