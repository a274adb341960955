#include "tests/bench/null_eventlogd/batch_encoder.h"

#include <grpc/slice.h>
#include <grpcpp/support/slice.h>

#include <cstring>

namespace eventlog::bench {
namespace {

constexpr uint32_t kVarint = 0;
constexpr uint32_t kLengthDelimited = 2;

constexpr uint32_t Tag(uint32_t field, uint32_t wire_type) { return field << 3 | wire_type; }

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t BytesFieldSize(size_t length) { return 1 + VarintSize(length) + length; }
size_t OptionalBytesSize(absl::string_view s) { return s.empty() ? 0 : BytesFieldSize(s.size()); }
size_t OptionalVarintSize(int64_t v) {
  return v == 0 ? 0 : 1 + VarintSize(static_cast<uint64_t>(v));
}

class Writer {
 public:
  explicit Writer(uint8_t* p) : p_(p) {}

  void Varint(uint64_t v) {
    while (v >= 0x80) {
      *p_++ = static_cast<uint8_t>(v | 0x80);
      v >>= 7;
    }
    *p_++ = static_cast<uint8_t>(v);
  }
  void LengthPrefix(uint32_t field, size_t length) {
    Varint(Tag(field, kLengthDelimited));
    Varint(length);
  }
  void OptionalBytes(uint32_t field, absl::string_view s) {
    if (s.empty()) return;
    LengthPrefix(field, s.size());
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void OptionalVarint(uint32_t field, int64_t v) {
    if (v == 0) return;
    Varint(Tag(field, kVarint));
    Varint(static_cast<uint64_t>(v));
  }

 private:
  uint8_t* p_;
};

size_t HeaderSize(const v1::Header& h) {
  return OptionalBytesSize(h.key()) + OptionalBytesSize(h.value());
}

// v1::Record: key 1, value 2, headers 3, timestamp_ms 4, topic 5, partition 6, offset 7.
size_t RecordSize(const v1::Record& r, int64_t timestamp_ms, absl::string_view topic,
                  int32_t partition, int64_t offset) {
  size_t n = OptionalBytesSize(r.key()) + OptionalBytesSize(r.value());
  for (const v1::Header& h : r.headers()) n += BytesFieldSize(HeaderSize(h));
  return n + OptionalVarintSize(timestamp_ms) + OptionalBytesSize(topic) +
         OptionalVarintSize(partition) + OptionalVarintSize(offset);
}

}  // namespace

grpc::ByteBuffer EncodeRecordBatch(absl::string_view topic, int32_t partition,
                                   int64_t base_offset, int64_t high_watermark,
                                   int64_t append_time_ms,
                                   const std::vector<const v1::Record*>& records) {
  std::vector<size_t> sizes;
  sizes.reserve(records.size());
  // RecordBatch: partition 1, records 2, high_watermark 3.
  size_t batch = OptionalVarintSize(partition) + OptionalVarintSize(high_watermark);
  for (size_t i = 0; i < records.size(); ++i) {
    const v1::Record& r = *records[i];
    const int64_t timestamp = r.timestamp_ms() != 0 ? r.timestamp_ms() : append_time_ms;
    sizes.push_back(RecordSize(r, timestamp, topic, partition,
                               base_offset + static_cast<int64_t>(i)));
    batch += BytesFieldSize(sizes.back());
  }
  // SubscribeResponse: records 1 (a oneof member: present even when empty).
  grpc_slice slice = grpc_slice_malloc(BytesFieldSize(batch));
  Writer w(GRPC_SLICE_START_PTR(slice));
  w.LengthPrefix(1, batch);
  w.OptionalVarint(1, partition);
  for (size_t i = 0; i < records.size(); ++i) {
    const v1::Record& r = *records[i];
    w.LengthPrefix(2, sizes[i]);
    w.OptionalBytes(1, r.key());
    w.OptionalBytes(2, r.value());
    for (const v1::Header& h : r.headers()) {
      w.LengthPrefix(3, HeaderSize(h));
      w.OptionalBytes(1, h.key());
      w.OptionalBytes(2, h.value());
    }
    w.OptionalVarint(4, r.timestamp_ms() != 0 ? r.timestamp_ms() : append_time_ms);
    w.OptionalBytes(5, topic);
    w.OptionalVarint(6, partition);
    w.OptionalVarint(7, base_offset + static_cast<int64_t>(i));
  }
  w.OptionalVarint(3, high_watermark);
  grpc::Slice owned(slice, grpc::Slice::STEAL_REF);
  return grpc::ByteBuffer(&owned, 1);
}

}  // namespace eventlog::bench
