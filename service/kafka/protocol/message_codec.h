// Glue between the message structs (one file per API) and KafkaReader /
// KafkaWriter. Every message struct has
//   static constexpr ApiKey kApiKey;
//   template <typename Io> void Serde(Io& io, int16_t version);
// where Serde reads or writes its fields in wire order for `version`; it is
// defined in the message's .cc and instantiated there for both directions
// (and testing::SampleFiller) with EVENTLOG_KAFKA_SERDE. DecodeMessage / EncodeMessage pick compact
// or classic encodings from the API table's first flexible version.
//
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/kafka/protocol/api_versions_table.h"
#include "service/kafka/protocol/kafka_reader.h"
#include "service/kafka/protocol/kafka_writer.h"
#include "service/kafka/protocol/sample_filler.h"

namespace eventlog::kafka {

// Decodes a whole body; INVALID_ARGUMENT if it is malformed, truncated or
// has bytes left over.
template <typename M>
absl::StatusOr<M> DecodeMessage(absl::string_view body, int16_t version) {
  KafkaReader reader(body, IsFlexible(M::kApiKey, version));
  M message;
  message.Serde(reader, version);
  absl::Status status = reader.Finish();
  if (!status.ok()) return status;
  return message;
}

template <typename M>
void EncodeMessage(const M& message, int16_t version, std::string* out) {
  KafkaWriter writer(out, IsFlexible(M::kApiKey, version));
  // Serde only reads the fields when given a writer.
  const_cast<M&>(message).Serde(writer, version);
}

template <typename M>
std::string EncodeMessage(const M& message, int16_t version) {
  std::string out;
  EncodeMessage(message, version, &out);
  return out;
}

template <typename Io>
void StringArray(Io& io, std::vector<std::string>& v) {
  io.Array(v, [&](std::string& s) { io.String(s); });
}
template <typename Io>
void Int32Array(Io& io, std::vector<int32_t>& v) {
  io.Array(v, [&](int32_t& n) { io.Int32(n); });
}
template <typename Io>
void Int64Array(Io& io, std::vector<int64_t>& v) {
  io.Array(v, [&](int64_t& n) { io.Int64(n); });
}

}  // namespace eventlog::kafka

namespace eventlog::kafka {

// Decodes `body` as the alternative of `Variant` whose kApiKey is `api_key`
// (UNIMPLEMENTED if none is).
template <typename Variant, size_t... I>
absl::StatusOr<Variant> DecodeAlternative(int16_t api_key, int16_t version, absl::string_view body,
                                          std::index_sequence<I...>) {
  absl::StatusOr<Variant> result = absl::UnimplementedError("unknown API key");
  auto try_one = [&](auto tag) {
    using M = typename decltype(tag)::type;
    if (static_cast<int16_t>(M::kApiKey) != api_key) return;
    absl::StatusOr<M> decoded = DecodeMessage<M>(body, version);
    if (decoded.ok()) {
      result = Variant(std::move(*decoded));
    } else {
      result = decoded.status();
    }
  };
  (try_one(std::type_identity<std::variant_alternative_t<I, Variant>>{}), ...);
  return result;
}

template <typename Variant>
absl::StatusOr<Variant> DecodeAlternative(int16_t api_key, int16_t version,
                                          absl::string_view body) {
  return DecodeAlternative<Variant>(api_key, version, body,
                                    std::make_index_sequence<std::variant_size_v<Variant>>{});
}

}  // namespace eventlog::kafka

#define EVENTLOG_KAFKA_SERDE(Type)                                     \
  template void Type::Serde(::eventlog::kafka::KafkaReader&, int16_t); \
  template void Type::Serde(::eventlog::kafka::KafkaWriter&, int16_t); \
  template void Type::Serde(::eventlog::kafka::testing::SampleFiller&, int16_t)
