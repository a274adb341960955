#include "clients/cpp/produce_request_wire.h"

#include <memory>
#include <utility>
#include <vector>

#include "grpcpp/support/slice.h"

namespace eventlog::client {
namespace {

size_t VarintSize(uint64_t n) {
  size_t size = 1;
  while (n >= 0x80) {
    n >>= 7;
    ++size;
  }
  return size;
}

void PutVarint(std::string& out, uint64_t n) {
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

size_t BytesFieldSize(size_t length) { return 1 + VarintSize(length) + length; }

void PutBytesField(std::string& out, char tag, absl::string_view bytes) {
  out.push_back(tag);
  PutVarint(out, bytes.size());
  out.append(bytes.data(), bytes.size());
}

size_t HeaderSize(const v1::Header& h) {
  return BytesFieldSize(h.key().size()) + (h.value().empty() ? 0 : BytesFieldSize(h.value().size()));
}

}  // namespace

void ProduceRequestWire::AppendRecord(std::string& records, absl::string_view key,
                                      absl::string_view value) {
  size_t body = 0;
  if (!key.empty()) body += BytesFieldSize(key.size());
  if (!value.empty()) body += BytesFieldSize(value.size());
  records.push_back('\x1a');
  PutVarint(records, body);
  if (!key.empty()) PutBytesField(records, '\x0a', key);
  if (!value.empty()) PutBytesField(records, '\x12', value);
}

void ProduceRequestWire::AppendRecord(std::string& records, absl::string_view key,
                                      absl::string_view value,
                                      const google::protobuf::RepeatedPtrField<v1::Header>& headers,
                                      int64_t timestamp_ms) {
  if (headers.empty() && timestamp_ms == 0) {
    AppendRecord(records, key, value);
    return;
  }
  size_t body = 0;
  if (!key.empty()) body += BytesFieldSize(key.size());
  if (!value.empty()) body += BytesFieldSize(value.size());
  for (const v1::Header& h : headers) body += BytesFieldSize(HeaderSize(h));
  // int64: negative values go as their 64-bit two's complement, as protobuf does.
  if (timestamp_ms != 0) body += 1 + VarintSize(static_cast<uint64_t>(timestamp_ms));
  records.push_back('\x1a');
  PutVarint(records, body);
  if (!key.empty()) PutBytesField(records, '\x0a', key);
  if (!value.empty()) PutBytesField(records, '\x12', value);
  for (const v1::Header& h : headers) {
    records.push_back('\x1a');
    PutVarint(records, HeaderSize(h));
    PutBytesField(records, '\x0a', h.key());
    if (!h.value().empty()) PutBytesField(records, '\x12', h.value());
  }
  if (timestamp_ms != 0) {
    records.push_back('\x20');
    PutVarint(records, static_cast<uint64_t>(timestamp_ms));
  }
}

grpc::ByteBuffer ProduceRequestWire::Finish(absl::string_view topic, int32_t partition,
                                            v1::Acks acks, uint64_t request_id,
                                            std::string&& records) {
  std::string head;
  PutBytesField(head, '\x0a', topic);
  head.push_back('\x10');
  PutVarint(head, static_cast<uint64_t>(static_cast<int64_t>(partition)));
  std::string tail;
  if (acks != 0) {
    tail.push_back('\x20');
    PutVarint(tail, static_cast<uint64_t>(acks));
  }
  if (request_id != 0) {
    tail.push_back('\x28');
    PutVarint(tail, request_id);
  }
  // The records' bytes travel in a slice that owns their string: no copy.
  auto owned = std::make_unique<std::string>(std::move(records));
  std::string* raw = owned.release();
  std::vector<grpc::Slice> slices;
  slices.emplace_back(head);
  slices.emplace_back(
      raw->data(), raw->size(), [](void* s) { delete static_cast<std::string*>(s); }, raw);
  if (!tail.empty()) slices.emplace_back(tail);
  return grpc::ByteBuffer(slices.data(), slices.size());
}

}  // namespace eventlog::client
