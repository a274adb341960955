#include "service/server/record_wire_encoder.h"

#include <grpc/slice.h>
#include <grpcpp/support/slice.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace eventlog::service {
namespace {

// Protobuf wire types.
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

// int32 and int64 fields: negative values are sign-extended to 10 bytes.
uint64_t AsVarint(int64_t v) { return static_cast<uint64_t>(v); }

size_t BytesFieldSize(size_t length) { return 1 + VarintSize(length) + length; }
size_t OptionalBytesFieldSize(absl::string_view s) {
  return s.empty() ? 0 : BytesFieldSize(s.size());
}
size_t OptionalVarintFieldSize(int64_t v) { return v == 0 ? 0 : 1 + VarintSize(AsVarint(v)); }

class Writer {
 public:
  explicit Writer(uint8_t* p) : p_(p) {}
  uint8_t* position() const { return p_; }

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
  // The next `n` bytes, for the caller to fill.
  uint8_t* Reserve(size_t n) {
    uint8_t* at = p_;
    p_ += n;
    return at;
  }
  void OptionalVarintField(uint32_t field, int64_t v) {
    if (v == 0) return;
    Varint(Tag(field, kVarint));
    Varint(AsVarint(v));
  }

 private:
  uint8_t* p_;
};

size_t HeaderSize(const storage::HeaderView& h) {
  return OptionalBytesFieldSize(h.key) + OptionalBytesFieldSize(h.value);
}

// v1::Record: key 1, value 2, headers 3, timestamp_ms 4, topic 5, partition 6, offset 7.
size_t RecordSize(const storage::RecordView& r, absl::string_view topic, int32_t partition) {
  size_t n = OptionalBytesFieldSize(r.key) + OptionalBytesFieldSize(r.value);
  for (const storage::HeaderView& h : r.headers) n += BytesFieldSize(HeaderSize(h));
  return n + OptionalVarintFieldSize(r.timestamp_ms) + OptionalBytesFieldSize(topic) +
         OptionalVarintFieldSize(partition) + OptionalVarintFieldSize(r.offset);
}

void WriteRecord(const storage::RecordView& r, size_t size, uint32_t field, absl::string_view topic,
                 int32_t partition, Writer* w) {
  w->LengthPrefix(field, size);
  w->OptionalBytes(1, r.key);
  w->OptionalBytes(2, r.value);
  for (const storage::HeaderView& h : r.headers) {
    w->LengthPrefix(3, HeaderSize(h));
    w->OptionalBytes(1, h.key);
    w->OptionalBytes(2, h.value);
  }
  w->OptionalVarintField(4, r.timestamp_ms);
  w->OptionalBytes(5, topic);
  w->OptionalVarintField(6, partition);
  w->OptionalVarintField(7, r.offset);
}

// The records as repeated field `field`: returns their encoded size and
// fills `sizes` with each record's.
size_t RecordsSize(const storage::ReadResult& read, absl::string_view topic, int32_t partition,
                   std::vector<size_t>* sizes) {
  sizes->reserve(read.records.size());
  size_t total = 0;
  for (const storage::RecordView& r : read.records) {
    const size_t size = RecordSize(r, topic, partition);
    sizes->push_back(size);
    total += BytesFieldSize(size);
  }
  return total;
}

void WriteRecords(const storage::ReadResult& read, const std::vector<size_t>& sizes, uint32_t field,
                  absl::string_view topic, int32_t partition, Writer* w) {
  for (size_t i = 0; i < read.records.size(); ++i) {
    WriteRecord(read.records[i], sizes[i], field, topic, partition, w);
  }
}

size_t PackedSize(const storage::ReadResult& read, int64_t (*field)(const storage::RecordView&)) {
  size_t n = 0;
  for (const storage::RecordView& r : read.records) n += VarintSize(AsVarint(field(r)));
  return n;
}
size_t PackedFieldSize(size_t payload) { return payload == 0 ? 0 : BytesFieldSize(payload); }

int64_t OffsetOf(const storage::RecordView& r) { return r.offset; }
int64_t TimestampOf(const storage::RecordView& r) { return r.timestamp_ms; }
int64_t HeaderCountOf(const storage::RecordView& r) {
  return static_cast<int64_t>(r.headers.size());
}

void WritePacked(uint32_t field, size_t payload, const storage::ReadResult& read,
                 int64_t (*value)(const storage::RecordView&), Writer* w) {
  if (payload == 0) return;
  w->LengthPrefix(field, payload);
  for (const storage::RecordView& r : read.records) w->Varint(AsVarint(value(r)));
}

// Every element of a repeated bytes field is written, empty ones included.
void WriteBytes(uint32_t field, absl::string_view s, Writer* w) {
  w->LengthPrefix(field, s.size());
  if (!s.empty()) std::memcpy(w->Reserve(s.size()), s.data(), s.size());
}

// v1::RecordColumns: offsets 1, timestamps_ms 2, keys 3, values 4 (packed
// and repeated, one entry per record), header_counts 5 and headers 6 (only
// when some record has headers).
class ColumnsLayout {
 public:
  ColumnsLayout(const storage::ReadResult& read, bool headerless)
      : offsets_(PackedSize(read, OffsetOf)),
        timestamps_(PackedSize(read, TimestampOf)),
        header_counts_(headerless ? 0 : PackedSize(read, HeaderCountOf)) {
    size_ = PackedFieldSize(offsets_) + PackedFieldSize(timestamps_) +
            PackedFieldSize(header_counts_);
    for (const storage::RecordView& r : read.records) {
      size_ += BytesFieldSize(r.key.size()) + BytesFieldSize(r.value.size());
      for (const storage::HeaderView& h : r.headers) size_ += BytesFieldSize(HeaderSize(h));
    }
  }
  size_t size() const { return size_; }

  void Write(const storage::ReadResult& read, Writer* w) const {
    WritePacked(1, offsets_, read, OffsetOf, w);
    WritePacked(2, timestamps_, read, TimestampOf, w);
    for (const storage::RecordView& r : read.records) WriteBytes(3, r.key, w);
    for (const storage::RecordView& r : read.records) WriteBytes(4, r.value, w);
    WritePacked(5, header_counts_, read, HeaderCountOf, w);
    for (const storage::RecordView& r : read.records) {
      for (const storage::HeaderView& h : r.headers) {
        w->LengthPrefix(6, HeaderSize(h));
        w->OptionalBytes(1, h.key);
        w->OptionalBytes(2, h.value);
      }
    }
  }

 private:
  const size_t offsets_;        // packed payload bytes of each column
  const size_t timestamps_;
  const size_t header_counts_;  // 0: not written
  size_t size_ = 0;
};

bool Headerless(const storage::ReadResult& read) {
  return std::none_of(read.records.begin(), read.records.end(),
                      [](const storage::RecordView& r) { return !r.headers.empty(); });
}

grpc::ByteBuffer Finish(grpc_slice slice) {
  grpc::Slice owned(slice, grpc::Slice::STEAL_REF);
  return grpc::ByteBuffer(&owned, 1);
}

}  // namespace

grpc::ByteBuffer EncodeSubscribeRecords(const storage::ReadResult& read, absl::string_view topic,
                                        int32_t partition) {
  std::vector<size_t> sizes;
  const bool headerless = Headerless(read);
  // RecordBatch: partition 1, records 2, high_watermark 3, headerless 4.
  const size_t batch = OptionalVarintFieldSize(partition) +
                       RecordsSize(read, topic, partition, &sizes) +
                       OptionalVarintFieldSize(read.high_watermark) +
                       OptionalVarintFieldSize(headerless);
  // SubscribeResponse: records 1 (a oneof member: present even when empty).
  const size_t total = BytesFieldSize(batch);
  grpc_slice slice = grpc_slice_malloc(total);
  Writer w(GRPC_SLICE_START_PTR(slice));
  w.LengthPrefix(1, batch);
  w.OptionalVarintField(1, partition);
  WriteRecords(read, sizes, 2, topic, partition, &w);
  w.OptionalVarintField(3, read.high_watermark);
  w.OptionalVarintField(4, headerless);
  return Finish(slice);
}

grpc::ByteBuffer EncodeSubscribeColumns(const storage::ReadResult& read, int32_t partition) {
  const bool headerless = Headerless(read);
  const ColumnsLayout columns(read, headerless);
  // RecordBatch: partition 1, high_watermark 3, headerless 4, columns 5
  // (always present in this form, even for no records).
  const size_t batch = OptionalVarintFieldSize(partition) +
                       OptionalVarintFieldSize(read.high_watermark) +
                       OptionalVarintFieldSize(headerless) + BytesFieldSize(columns.size());
  const size_t total = BytesFieldSize(batch);
  grpc_slice slice = grpc_slice_malloc(total);
  Writer w(GRPC_SLICE_START_PTR(slice));
  w.LengthPrefix(1, batch);
  w.OptionalVarintField(1, partition);
  w.OptionalVarintField(3, read.high_watermark);
  w.OptionalVarintField(4, headerless);
  w.LengthPrefix(5, columns.size());
  columns.Write(read, &w);
  return Finish(slice);
}

grpc::ByteBuffer EncodeFetchResponse(const storage::ReadResult& read, absl::string_view topic,
                                     int32_t partition) {
  std::vector<size_t> sizes;
  // FetchResponse: records 1, high_watermark 2, log_start_offset 3.
  const size_t total = RecordsSize(read, topic, partition, &sizes) +
                       OptionalVarintFieldSize(read.high_watermark) +
                       OptionalVarintFieldSize(read.log_start_offset);
  grpc_slice slice = grpc_slice_malloc(total);
  Writer w(GRPC_SLICE_START_PTR(slice));
  WriteRecords(read, sizes, 1, topic, partition, &w);
  w.OptionalVarintField(2, read.high_watermark);
  w.OptionalVarintField(3, read.log_start_offset);
  return Finish(slice);
}

}  // namespace eventlog::service
