#include "storage/leveldb_util.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace eventlog::storage::leveldb_util {
namespace {

leveldb::Slice ToSlice(absl::string_view s) { return leveldb::Slice(s.data(), s.size()); }
absl::string_view ToView(const leveldb::Slice& s) { return absl::string_view(s.data(), s.size()); }

KeyValue Current(const leveldb::Iterator& it) {
  return KeyValue{it.key().ToString(), it.value().ToString()};
}

}  // namespace

absl::Status ToStatus(const leveldb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(context, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  // LevelDB keeps only the strerror text of a failed write.
  if (s.IsIOError() && absl::StrContains(message, std::strerror(ENOSPC))) {
    return absl::ResourceExhaustedError(message);
  }
  return absl::InternalError(message);
}

absl::StatusOr<std::optional<KeyValue>> Floor(leveldb::DB* db, absl::string_view prefix,
                                              absl::string_view key) {
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  // First forwards to the prefix's first live key: without one at or below
  // `key` there is no floor, and stepping back from `key` would walk every
  // deletion below it that LevelDB has not compacted away yet (a deleted
  // topic's whole index: minutes for a new topic created after it).
  it->Seek(ToSlice(prefix));
  if (!it->status().ok()) return ToStatus(it->status(), "index lookup");
  if (!it->Valid() || !absl::StartsWith(ToView(it->key()), prefix) || ToView(it->key()) > key) {
    return std::nullopt;
  }
  it->Seek(ToSlice(key));
  if (it->Valid() && ToView(it->key()) == key) return Current(*it);
  if (it->Valid()) {
    it->Prev();
  } else {
    it->SeekToLast();
  }
  if (!it->status().ok()) return ToStatus(it->status(), "index lookup");
  if (it->Valid() && absl::StartsWith(ToView(it->key()), prefix)) return Current(*it);
  return std::nullopt;
}

absl::StatusOr<std::optional<KeyValue>> Ceiling(leveldb::DB* db, absl::string_view prefix,
                                                absl::string_view key) {
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  it->Seek(ToSlice(key));
  if (!it->status().ok()) return ToStatus(it->status(), "index lookup");
  if (it->Valid() && absl::StartsWith(ToView(it->key()), prefix)) return Current(*it);
  return std::nullopt;
}

absl::Status ForEach(leveldb::DB* db, absl::string_view from, absl::string_view to,
                     const std::function<bool(absl::string_view, absl::string_view)>& fn) {
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(ToSlice(from)); it->Valid(); it->Next()) {
    absl::string_view key = ToView(it->key());
    if (!to.empty() && key >= to) break;
    if (!fn(key, ToView(it->value()))) break;
  }
  return ToStatus(it->status(), "index scan");
}

absl::Status DeleteRange(leveldb::DB* db, absl::string_view from, absl::string_view to,
                         leveldb::WriteBatch* batch) {
  return ForEach(db, from, to, [batch](absl::string_view key, absl::string_view) {
    batch->Delete(ToSlice(key));
    return true;
  });
}

absl::Status Write(leveldb::DB* db, leveldb::WriteBatch* batch, bool sync,
                   absl::string_view context) {
  leveldb::WriteOptions options;
  options.sync = sync;
  return ToStatus(db->Write(options, batch), context);
}

}  // namespace eventlog::storage::leveldb_util
