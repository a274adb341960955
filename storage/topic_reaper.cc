#include "storage/topic_reaper.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "leveldb/write_batch.h"
#include "storage/layout.h"
#include "storage/leveldb_util.h"
#include "storage/util/logging/logger.h"

namespace eventlog::storage {

TopicReaper::TopicReaper(leveldb::DB* db, fs::FileSystem* fs)
    : db_(db), fs_(fs), thread_([this] { Run(); }) {}

TopicReaper::~TopicReaper() { Stop(); }

void TopicReaper::Reap(uint64_t topic_id, std::string dir,
                       std::vector<std::shared_ptr<void>> holds) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(Job{topic_id, std::move(dir), std::move(holds)});
}

void TopicReaper::WaitUntilReaped(uint64_t topic_id) {
  absl::MutexLock lock(&mu_);
  auto reaped = [this, topic_id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return reaping_ != topic_id &&
           std::none_of(queue_.begin(), queue_.end(),
                        [topic_id](const Job& job) { return job.topic_id == topic_id; });
  };
  mu_.Await(absl::Condition(&reaped));
}

void TopicReaper::TEST_WaitIdle() {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return reaping_ == 0 && queue_.empty();
  };
  mu_.Await(absl::Condition(&idle));
}

void TopicReaper::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status TopicReaper::RemoveKeys(leveldb::DB* db, uint64_t topic_id) {
  leveldb::WriteBatch batch;
  for (char space : layout::kTopicKeySpaces) {
    const std::string prefix = layout::TopicPrefix(space, topic_id);
    absl::Status s = leveldb_util::DeleteRange(db, prefix, layout::PrefixEnd(prefix), &batch);
    if (!s.ok()) return s;
  }
  return leveldb_util::Write(db, &batch, /*sync=*/false, "cannot remove topic keys");
}

void TopicReaper::CompactKeys(leveldb::DB* db, uint64_t topic_id) {
  for (char space : layout::kTopicKeySpaces) {
    const std::string from = layout::TopicPrefix(space, topic_id);
    const std::string to = layout::PrefixEnd(from);
    const leveldb::Slice begin(from), end(to);
    db->CompactRange(&begin, &end);
  }
}

void TopicReaper::ReapOne(Job& job) {
  // Keys first, then files: a crash in between leaves a folder of an
  // unknown id, whose removal (keys included) the next open repeats.
  absl::Status status = RemoveKeys(db_, job.topic_id);
  if (status.ok()) CompactKeys(db_, job.topic_id);
  job.holds.clear();  // the last references close the segment files
  if (status.ok()) status = fs_->RemoveAll(job.dir);
  if (!status.ok()) {
    logging::LogError("storage", "removing a deleted topic's keys or files failed",
                      {{"topic_id", absl::StrCat(job.topic_id)}, {"error", status.ToString()}});
  }
}

void TopicReaper::Run() {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !queue_.empty();
  };
  while (true) {
    mu_.Await(absl::Condition(&ready));
    if (queue_.empty()) return;  // stopping, nothing left
    Job job = std::move(queue_.front());
    queue_.pop_front();
    reaping_ = job.topic_id;
    mu_.Unlock();
    ReapOne(job);
    mu_.Lock();
    reaping_ = 0;
  }
}

}  // namespace eventlog::storage
