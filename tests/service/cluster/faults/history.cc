#include "tests/service/cluster/faults/history.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace eventlog::testing::faults {

History::History(const std::string& path) : out_(path, std::ios::trunc) {}

void History::Ack(const std::string& producer, const std::string& key, int64_t seq,
                  int32_t partition, int64_t offset, const std::string& value) {
  Write({"ack", producer, key, absl::StrCat(seq), absl::StrCat(partition), absl::StrCat(offset),
         value});
}

void History::ProduceFailed(const std::string& producer, const std::string& key, int64_t seq,
                            int code) {
  Write({"fail", producer, key, absl::StrCat(seq), absl::StrCat(code)});
}

void History::Read(const std::string& reader, int32_t partition, int64_t offset,
                   const std::string& key, const std::string& value) {
  Write({"read", reader, absl::StrCat(partition), absl::StrCat(offset), key, value});
}

void History::Commit(const std::string& member, int32_t partition, int64_t offset,
                     int64_t generation) {
  Write({"commit", member, absl::StrCat(partition), absl::StrCat(offset),
         absl::StrCat(generation)});
}

void History::Committed(int32_t partition, int64_t offset) {
  Write({"committed", absl::StrCat(partition), absl::StrCat(offset)});
}

void History::Final(int32_t partition, int64_t high_watermark) {
  Write({"final", absl::StrCat(partition), absl::StrCat(high_watermark)});
}

void History::Note(const std::string& text) { Write({"note", text}); }

void History::Write(const std::vector<std::string>& fields) {
  absl::MutexLock lock(&mu_);
  out_ << absl::ToInt64Milliseconds(absl::Now() - start_) << '\t' << absl::StrJoin(fields, "\t")
       << '\n';
  out_.flush();  // a crashed run keeps its history
}

absl::StatusOr<std::vector<std::vector<std::string>>> History::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::vector<std::vector<std::string>> lines;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() < 2) continue;
    fields.erase(fields.begin());  // the time
    lines.push_back(std::move(fields));
  }
  return lines;
}

}  // namespace eventlog::testing::faults
