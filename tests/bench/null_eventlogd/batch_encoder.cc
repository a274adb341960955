#include "tests/bench/null_eventlogd/batch_encoder.h"

#include "service/server/record_wire_encoder.h"
#include "storage/partition_log.h"

namespace eventlog::bench {

grpc::ByteBuffer EncodeRecordBatch(absl::string_view topic, int32_t partition,
                                   int64_t base_offset, int64_t high_watermark,
                                   int64_t append_time_ms,
                                   const std::vector<const v1::Record*>& records) {
  // The views eventlogd's reads produce, so that eventlogd's own encoder
  // writes the bytes.
  storage::ReadResult read;
  read.records.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const v1::Record& r = *records[i];
    storage::RecordView& view = read.records.emplace_back();
    view.offset = base_offset + static_cast<int64_t>(i);
    view.timestamp_ms = r.timestamp_ms() != 0 ? r.timestamp_ms() : append_time_ms;
    view.key = r.key();
    view.value = r.value();
    for (const v1::Header& h : r.headers()) view.headers.push_back({h.key(), h.value()});
  }
  read.high_watermark = high_watermark;
  return service::EncodeSubscribeRecords(read, topic, partition);
}

}  // namespace eventlog::bench
