#include "service/cluster/etcd/etcd_types.h"

#include <utility>

namespace eventlog::etcd {
namespace {

// The smallest key greater than every key starting with `prefix`: the prefix
// with its last byte below 0xff incremented and what follows dropped. No
// such key ("", or only 0xff bytes): "\0", which etcd reads as "no end".
std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    const auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

Compare MakeCompare(absl::string_view key, Compare::Target target, Compare::Op op, int64_t number) {
  Compare compare;
  compare.key = std::string(key);
  compare.target = target;
  compare.op = op;
  compare.number = number;
  return compare;
}

}  // namespace

KeyRange KeyRange::Key(absl::string_view key) { return KeyRange{std::string(key), ""}; }

KeyRange KeyRange::Prefix(absl::string_view prefix) {
  return KeyRange{prefix.empty() ? std::string(1, '\0') : std::string(prefix), PrefixEnd(prefix)};
}

Compare Compare::Value(absl::string_view key, Op op, absl::string_view value) {
  Compare compare = MakeCompare(key, Target::kValue, op, 0);
  compare.value = std::string(value);
  return compare;
}

Compare Compare::Version(absl::string_view key, Op op, int64_t version) {
  return MakeCompare(key, Target::kVersion, op, version);
}

Compare Compare::CreateRevision(absl::string_view key, Op op, int64_t revision) {
  return MakeCompare(key, Target::kCreateRevision, op, revision);
}

Compare Compare::ModRevision(absl::string_view key, Op op, int64_t revision) {
  return MakeCompare(key, Target::kModRevision, op, revision);
}

Compare Compare::Lease(absl::string_view key, Op op, int64_t lease) {
  return MakeCompare(key, Target::kLease, op, lease);
}

Compare Compare::Missing(absl::string_view key) { return CreateRevision(key, Op::kEqual, 0); }

Compare Compare::Unchanged(absl::string_view key, int64_t mod_revision) {
  return ModRevision(key, Op::kEqual, mod_revision);
}

TxnOp TxnOp::Get(KeyRange range) {
  TxnOp op;
  op.type = Type::kGet;
  op.range = std::move(range);
  return op;
}

TxnOp TxnOp::Put(absl::string_view key, absl::string_view value, int64_t lease) {
  TxnOp op;
  op.type = Type::kPut;
  op.range = KeyRange::Key(key);
  op.value = std::string(value);
  op.lease = lease;
  return op;
}

TxnOp TxnOp::Delete(KeyRange range) {
  TxnOp op;
  op.type = Type::kDelete;
  op.range = std::move(range);
  return op;
}

}  // namespace eventlog::etcd
