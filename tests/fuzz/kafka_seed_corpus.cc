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
#include "service/kafka/protocol/kafka_request.h"
#include "service/kafka/protocol/message_codec.h"
#include "service/kafka/protocol/sample_filler.h"
#include "storage/compression/compression.h"

namespace eventlog::fuzz {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::cerr << "cannot write " << (dir / name) << "\n";
    std::exit(1);
  }
}

void DecompressSeeds(const fs::path& corpus) {
  const fs::path dir = corpus / "decompress_fuzzer";
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
void RequestSeeds(const fs::path& dir) {
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
void AllRequestSeeds(const fs::path& dir, std::index_sequence<I...>) {
  (RequestSeeds<std::variant_alternative_t<I, kafka::KafkaRequest>>(dir), ...);
}

void KafkaRequestSeeds(const fs::path& corpus) {
  AllRequestSeeds(corpus / "kafka_request_fuzzer",
                  std::make_index_sequence<std::variant_size_v<kafka::KafkaRequest>>{});
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
  return 0;
}
