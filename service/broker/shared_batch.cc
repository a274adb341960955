#include "service/broker/shared_batch.h"

#include <cstring>
#include <memory>

namespace eventlog::broker {
size_t SharedBatch::PayloadBytes(const storage::ReadResult& read) {
  size_t bytes = 0;
  for (const storage::RecordView& record : read.records) {
    bytes += record.key.size() + record.value.size();
    for (const storage::HeaderView& header : record.headers) {
      bytes += header.key.size() + header.value.size();
    }
  }
  return bytes;
}

SharedBatch::SharedBatch(int32_t partition, storage::ReadResult read)
    : partition_(partition), read_(Compact(std::move(read))), payload_bytes_(PayloadBytes(read_)) {}

storage::ReadResult SharedBatch::Compact(storage::ReadResult read) {
  const size_t size = PayloadBytes(read);
  std::shared_ptr<char[]> buffer = std::make_shared_for_overwrite<char[]>(size == 0 ? 1 : size);
  char* out = buffer.get();
  const auto copy = [&out](absl::string_view* view) {
    if (!view->empty()) std::memcpy(out, view->data(), view->size());
    *view = absl::string_view(out, view->size());
    out += view->size();
  };
  for (storage::RecordView& record : read.records) {
    copy(&record.key);
    copy(&record.value);
    for (storage::HeaderView& header : record.headers) {
      copy(&header.key);
      copy(&header.value);
    }
  }
  read.backing = std::move(buffer);  // releases the log's buffers
  return read;
}

}  // namespace eventlog::broker
