// Helpers over LevelDB used by the indexes and registries: status mapping
// and ordered lookups within a key prefix. Stateless; thread-safe (LevelDB
// is).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"

namespace eventlog::storage::leveldb_util {

// LevelDB status -> absl: NotFound -> NOT_FOUND, Corruption -> DATA_LOSS,
// a full disk -> RESOURCE_EXHAUSTED, anything else -> INTERNAL; the message names `context`.
absl::Status ToStatus(const leveldb::Status& s, absl::string_view context);

struct KeyValue {
  std::string key;
  std::string value;
};

// The largest key <= `key` that starts with `prefix`.
absl::StatusOr<std::optional<KeyValue>> Floor(leveldb::DB* db, absl::string_view prefix,
                                              absl::string_view key);
// The smallest key >= `key` that starts with `prefix`.
absl::StatusOr<std::optional<KeyValue>> Ceiling(leveldb::DB* db, absl::string_view prefix,
                                                absl::string_view key);

// Calls `fn` for each key in [from, to) in order ("" as `to`: no upper
// bound). Stops early when `fn` returns false.
absl::Status ForEach(leveldb::DB* db, absl::string_view from, absl::string_view to,
                     const std::function<bool(absl::string_view key, absl::string_view value)>& fn);

// Adds a delete of every key in [from, to) to `batch`.
absl::Status DeleteRange(leveldb::DB* db, absl::string_view from, absl::string_view to,
                         leveldb::WriteBatch* batch);

// Writes `batch`; `sync` makes it durable before returning.
absl::Status Write(leveldb::DB* db, leveldb::WriteBatch* batch, bool sync,
                   absl::string_view context);

}  // namespace eventlog::storage::leveldb_util
