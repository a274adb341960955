#include "storage/log/producer_snapshot.h"

#include <string>

#include "storage/format/record_batch_format.h"
#include "storage/layout.h"
#include "storage/leveldb_util.h"
#include "storage/log/segment_reader.h"
#include "storage/util/coding.h"

namespace eventlog::storage {
namespace {

constexpr size_t kReplayChunk = 1 << 20;

std::string Key(uint64_t topic_id, int32_t partition) {
  return layout::PartitionPrefix(layout::kProducerSnapshot, topic_id, partition);
}

}  // namespace

void ProducerSnapshot::Put(uint64_t topic_id, int32_t partition, int64_t log_end,
                           const ProducerState& state, leveldb::WriteBatch* batch) {
  std::string value(8, '\0');
  util::coding::PutFixed64(value.data(), static_cast<uint64_t>(log_end));
  value += state.Encode();
  batch->Put(Key(topic_id, partition), value);
}

absl::StatusOr<ProducerSnapshot::Loaded> ProducerSnapshot::Load(
    leveldb::DB* db, uint64_t topic_id, int32_t partition,
    const std::map<int64_t, std::shared_ptr<Segment>>& segments, int64_t log_end) {
  Loaded loaded;
  int64_t from = segments.rbegin()->first;  // no snapshot: the active segment
  std::string value;
  leveldb::Status s = db->Get(leveldb::ReadOptions(), Key(topic_id, partition), &value);
  if (!s.ok() && !s.IsNotFound()) return leveldb_util::ToStatus(s, "producer snapshot");
  if (s.ok() && value.size() >= 8) {
    absl::StatusOr<ProducerState> state =
        ProducerState::Decode(absl::string_view(value).substr(8));
    if (state.ok()) {
      loaded.state = *std::move(state);
      from = static_cast<int64_t>(util::coding::GetFixed64(value.data()));
      if (from >= log_end) {
        loaded.state.TruncateTo(log_end);
        return loaded;
      }
      if (from < segments.begin()->first) from = segments.begin()->first;
    }
  }
  // Replay [from, log_end): the segment holding `from`, and every later one.
  auto it = segments.upper_bound(from);
  if (it != segments.begin()) --it;
  for (; it != segments.end(); ++it) {
    const std::shared_ptr<Segment>& segment = it->second;
    SegmentReader reader(segment, 0, segment->size(), kReplayChunk, kReplayChunk,
                         /*keep_chunks=*/false);
    while (true) {
      SegmentReader::Batch batch;
      absl::StatusOr<bool> next = reader.Next(&batch, /*verify_crc=*/false);
      if (!next.ok() || !*next) break;
      loaded.bytes_replayed += static_cast<int64_t>(batch.bytes.size());
      const format::BatchHeader& h = batch.header;
      if (h.base_offset >= log_end) return loaded;
      if (h.base_offset < from || h.producer_id < 0 || h.record_count <= 0) continue;
      loaded.state.Record(ProducerState::Claim{h.producer_id, h.producer_epoch, h.base_sequence,
                                               h.last_offset_delta + 1},
                          h.base_offset);
    }
  }
  return loaded;
}

}  // namespace eventlog::storage
