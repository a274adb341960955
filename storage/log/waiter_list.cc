#include "storage/log/waiter_list.h"

namespace eventlog::storage {

uint64_t WaiterList::Add(int64_t offset, Callback callback) {
  const uint64_t id = next_id_++;
  by_offset_.emplace(std::make_pair(offset, id), std::move(callback));
  offset_of_.emplace(id, offset);
  return id;
}

bool WaiterList::Remove(uint64_t id) {
  auto it = offset_of_.find(id);
  if (it == offset_of_.end()) return false;
  by_offset_.erase(std::make_pair(it->second, id));
  offset_of_.erase(it);
  return true;
}

std::vector<WaiterList::Callback> WaiterList::TakeReady(int64_t high_watermark) {
  std::vector<Callback> ready;
  auto it = by_offset_.begin();
  while (it != by_offset_.end() && it->first.first < high_watermark) {
    offset_of_.erase(it->first.second);
    ready.push_back(std::move(it->second));
    it = by_offset_.erase(it);
  }
  return ready;
}

std::vector<WaiterList::Callback> WaiterList::TakeAll() {
  std::vector<Callback> all;
  all.reserve(by_offset_.size());
  for (auto& [key, callback] : by_offset_) all.push_back(std::move(callback));
  by_offset_.clear();
  offset_of_.clear();
  return all;
}

}  // namespace eventlog::storage
