// Writes the seed corpora of the Kafka-side fuzz targets from the real
// encoders (storage/compression, the protocol structs' Encode):
//   fuzz_kafka_seed_corpus <tests/fuzz/corpus>
// Run by hand after a change to a codec or a message layout
// (docs/FUZZING.md); the output is checked in. Input layouts are the ones
// documented at the top of each *_fuzzer.cc. Apart from eventlog_service's
// seed_corpus.cc so that it builds without gRPC.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "service/kafka/protocol/api_versions_table.h"
#include "service/kafka/protocol/consumer_protocol.h"
#include "service/kafka/protocol/kafka_request.h"
#include "service/kafka/protocol/message_codec.h"
#include "service/kafka/protocol/sample_filler.h"
#include "storage/compression/compression.h"
#include "storage/format/record_batch_builder.h"
#include "storage/format/record_batch_format.h"
#include "storage/util/coding.h"

namespace eventlog::fuzz {
namespace {

namespace stdfs = std::filesystem;

void Write(const stdfs::path& dir, const std::string& name, const std::string& bytes) {
  stdfs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::cerr << "cannot write " << (dir / name) << "\n";
    std::exit(1);
  }
}

void DecompressSeeds(const stdfs::path& corpus) {
  const stdfs::path dir = corpus / "decompress_fuzzer";
  const std::string text = "key-1 value-1 key-2 value-2 key-1 value-3 " + std::string(300, 'z');
  for (int codec = 1; codec <= 4; ++codec) {
    const auto c = static_cast<compression::Codec>(codec);
    absl::StatusOr<std::string> bytes = compression::Compress(c, text);
    if (!bytes.ok()) std::abort();
    // Limit selector 0: 1 KiB, just above the text.
    Write(dir, std::string(compression::CodecName(c)), std::string{char(codec), 0} + *bytes);
  }
}

// One request of every API at every supported version, populated by
// SampleFiller and encoded by the protocol library: a frame's content
// (header + body, no size prefix), named <api>_v<version>.
template <typename M>
void RequestSeeds(const stdfs::path& dir) {
  const kafka::ApiSupport* api = kafka::FindApi(static_cast<int16_t>(M::kApiKey));
  for (int16_t version = api->min_version; version <= api->max_version; ++version) {
    M request;
    kafka::testing::SampleFiller filler(static_cast<uint32_t>(version) + 1);
    request.Serde(filler, version);
    kafka::RequestHeader header;
    header.api_key = static_cast<int16_t>(M::kApiKey);
    header.api_version = version;
    header.correlation_id = version;
    header.client_id = "seed";
    const std::string frame = kafka::EncodeRequestFrame(header, request);
    Write(dir, absl::StrCat(kafka::ApiKeyName(M::kApiKey), "_v", version), frame.substr(4));
  }
}

template <size_t... I>
void AllRequestSeeds(const stdfs::path& dir, std::index_sequence<I...>) {
  (RequestSeeds<std::variant_alternative_t<I, kafka::KafkaRequest>>(dir), ...);
}

void KafkaRequestSeeds(const stdfs::path& corpus) {
  AllRequestSeeds(corpus / "kafka_request_fuzzer",
                  std::make_index_sequence<std::variant_size_v<kafka::KafkaRequest>>{});
}

// kafka_handler_fuzzer: sequences of u16-length-prefixed request frames
// (header + body) on topic "t", as clients send them.
class HandlerSeed {
 public:
  template <typename M>
  HandlerSeed& Add(const M& request, int16_t version) {
    kafka::RequestHeader header;
    header.api_key = static_cast<int16_t>(M::kApiKey);
    header.api_version = version;
    header.correlation_id = ++correlation_;
    header.client_id = "seed";
    const std::string frame = kafka::EncodeRequestFrame(header, request).substr(4);
    char size[2] = {static_cast<char>(frame.size() & 0xff), static_cast<char>(frame.size() >> 8)};
    bytes_.append(size, 2);
    bytes_ += frame;
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
  int32_t correlation_ = 0;
};

std::string Batch(int count, int64_t pid, int32_t sequence, int codec) {
  storage::RecordBatchBuilder builder;
  for (int i = 0; i < count; ++i) builder.Add("key", absl::StrCat("value-", i), {{"h", "v"}}, 1000);
  std::string bytes = builder.Seal();
  util::coding::PutBigEndian64(bytes.data() + 43, static_cast<uint64_t>(pid));
  util::coding::PutBigEndian16(bytes.data() + 51, static_cast<uint16_t>(pid < 0 ? -1 : 0));
  util::coding::PutBigEndian32(bytes.data() + 53, static_cast<uint32_t>(sequence));
  if (codec != 0) {
    absl::StatusOr<std::string> compressed =
        compression::Compress(static_cast<compression::Codec>(codec),
                              absl::string_view(bytes).substr(storage::format::kV2HeaderSize));
    if (!compressed.ok()) std::abort();
    bytes.resize(storage::format::kV2HeaderSize);
    bytes += *compressed;
    util::coding::PutBigEndian16(bytes.data() + 21, static_cast<uint16_t>(codec));
    util::coding::PutBigEndian32(bytes.data() + 8, static_cast<uint32_t>(bytes.size() - 12));
  }
  storage::format::SealBatch(bytes.data(), bytes.size());
  return bytes;
}

kafka::ProduceRequest Produce(std::string batch, int32_t partition = 0) {
  kafka::ProduceRequest request;
  request.acks = -1;
  request.timeout_ms = 1000;
  request.topic_data.push_back({"t", {{partition, std::move(batch)}}});
  return request;
}

kafka::FetchRequest Fetch(int64_t offset) {
  kafka::FetchRequest request;
  request.max_wait_ms = 10;
  request.min_bytes = 1;
  request.topics.push_back({"t", {{0, -1, offset, -1, 1 << 20}, {1, -1, 0, -1, 1 << 20}}});
  return request;
}

void HandlerSeeds(const stdfs::path& corpus) {
  const stdfs::path dir = corpus / "kafka_handler_fuzzer";
  for (int codec = 0; codec <= 4; ++codec) {
    kafka::ListOffsetsRequest list;
    list.topics.push_back({"t", {{0, -1, kafka::ListOffsetsRequest::kLatestTimestamp, 1}}});
    HandlerSeed seed;
    seed.Add(Produce(Batch(3, -1, -1, codec)), 7).Add(Fetch(0), 11).Add(list, 5).Add(Fetch(3), 4);
    Write(dir, absl::StrCat("produce_fetch_codec", codec), seed.bytes());
  }
  HandlerSeed idempotent;
  idempotent.Add(kafka::InitProducerIdRequest{}, 4)
      .Add(Produce(Batch(2, 0, 0, 0)), 7)
      .Add(Produce(Batch(2, 0, 0, 0)), 7)
      .Add(Produce(Batch(1, 0, 5, 0)), 7);
  Write(dir, "idempotent", idempotent.bytes());

  kafka::JoinGroupRequest join;
  join.group_id = "g";
  join.session_timeout_ms = 10000;
  join.rebalance_timeout_ms = 10000;
  join.protocol_type = "consumer";
  join.protocols = {{"range", kafka::EncodeConsumerSubscription({"t"})}};
  kafka::SyncGroupRequest sync;
  sync.group_id = "g";
  sync.generation_id = 1;
  sync.member_id = "seed-1";
  sync.assignments = {{"seed-1", kafka::EncodeConsumerAssignment({{"t", {0, 1}}})}};
  kafka::OffsetCommitRequest commit;
  commit.group_id = "g";
  commit.generation_id = -1;
  commit.topics.push_back({"t", {{0, 1, -1, -1, "meta"}}});
  kafka::OffsetFetchRequest fetch;
  fetch.group_id = "g";
  kafka::DescribeGroupsRequest describe;
  describe.groups = {"g"};
  kafka::LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.member_id = "seed-1";
  HandlerSeed group;
  group.Add(kafka::FindCoordinatorRequest{"g", 0}, 2)
      .Add(join, 5)
      .Add(sync, 3)
      .Add(kafka::HeartbeatRequest{"g", 1, "seed-1", std::nullopt}, 3)
      .Add(commit, 7)
      .Add(fetch, 7)
      .Add(describe, 4)
      .Add(kafka::ListGroupsRequest{}, 4)
      .Add(leave, 1);
  Write(dir, "group", group.bytes());

  kafka::CreateTopicsRequest create;
  create.topics.push_back({"u", 2, 1, {}, {{"retention.ms", "1000"}}});
  kafka::MetadataRequest metadata;
  metadata.topics = std::vector<std::string>{"u", "t", "missing"};
  kafka::DeleteTopicsRequest remove;
  remove.topic_names = {"u"};
  HandlerSeed admin;
  admin.Add(create, 4).Add(metadata, 6).Add(remove, 3).Add(kafka::MetadataRequest{}, 0);
  Write(dir, "admin", admin.bytes());
}

}  // namespace
}  // namespace eventlog::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_kafka_seed_corpus <tests/fuzz/corpus>\n";
    return 2;
  }
  eventlog::fuzz::DecompressSeeds(argv[1]);
  eventlog::fuzz::KafkaRequestSeeds(argv[1]);
  eventlog::fuzz::HandlerSeeds(argv[1]);
  return 0;
}
