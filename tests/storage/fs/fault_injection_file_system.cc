#include "tests/storage/fs/fault_injection_file_system.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/fs/posix_file_system.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage::testing {
namespace {

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string ReadReal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

// A File whose syncs the file system models (and may fail), and whose
// writes fail once the machine is off.
class FaultInjectionFile final : public fs::File {
 public:
  FaultInjectionFile(FaultInjectionFileSystem* owner, FaultInjectionFileSystem::FileId id,
                     std::unique_ptr<fs::File> real)
      : owner_(owner), id_(id), real_(std::move(real)) {}

  const std::string& path() const override { return real_->path(); }
  absl::Status ReadAt(int64_t pos, size_t n, char* dst) const override {
    return real_->ReadAt(pos, n, dst);
  }
  absl::Status WriteAt(int64_t pos, const iovec* iov, int iovcnt) override {
    {
      absl::MutexLock l(&owner_->mu_);
      RETURN_IF_ERROR(owner_->Mutate("write " + path()));
    }
    return real_->WriteAt(pos, iov, iovcnt);
  }
  absl::Status Sync() override {
    absl::Status status;
    {
      absl::MutexLock l(&owner_->mu_);
      ++owner_->syncs_waiting_;
      owner_->mu_.Await(absl::Condition(
          +[](bool* hold) { return !*hold; }, &owner_->hold_syncs_));
      --owner_->syncs_waiting_;
      RETURN_IF_ERROR(owner_->Mutate("fdatasync " + path()));
      status = owner_->MaybeFailSync(path());
    }
    // The model is the durability; the real fdatasync is skipped.
    return owner_->FileSynced(id_, path(), status);
  }
  absl::Status Truncate(int64_t size) override {
    {
      absl::MutexLock l(&owner_->mu_);
      RETURN_IF_ERROR(owner_->Mutate("truncate " + path()));
    }
    return real_->Truncate(size);
  }
  absl::StatusOr<int64_t> Size() const override { return real_->Size(); }
  void DropCache(int64_t offset, int64_t length) override { real_->DropCache(offset, length); }
  void WillNeed(int64_t offset, int64_t length) override { real_->WillNeed(offset, length); }

 private:
  FaultInjectionFileSystem* const owner_;
  const FaultInjectionFileSystem::FileId id_;
  const std::unique_ptr<fs::File> real_;
};

FaultInjectionFileSystem::FaultInjectionFileSystem(std::string root)
    : root_(std::move(root)), real_(std::make_unique<fs::PosixFileSystem>()) {
  std::filesystem::create_directories(root_);
  absl::MutexLock l(&mu_);
  ScanDurable(root_);
}

FaultInjectionFileSystem::~FaultInjectionFileSystem() = default;

bool FaultInjectionFileSystem::Under(const std::string& path) const {
  return path == root_ || absl::StartsWith(path, root_ + "/");
}

absl::Status FaultInjectionFileSystem::Mutate(const std::string& what) {
  if (!crashed_ && crash_countdown_ > 0 && --crash_countdown_ == 0) crashed_ = true;
  if (crashed_) {
    return absl::UnavailableError(absl::StrCat("simulated power loss: cannot ", what));
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionFileSystem::MaybeFailSync(const std::string& path) {
  if (!fail_syncs_ || !absl::StrContains(path, fail_path_part_)) return absl::OkStatus();
  if (fail_skip_ > 0) {
    --fail_skip_;
    return absl::OkStatus();
  }
  ++failed_syncs_;
  return fs::ErrnoStatus(EIO, "injected: cannot sync " + path);
}

absl::Status FaultInjectionFileSystem::FileSynced(FileId id, const std::string& path,
                                                  absl::Status sync_status) {
  const std::string live = ReadReal(path);
  absl::MutexLock l(&mu_);
  FileState& state = files_[id];
  if (!sync_status.ok()) {
    // The pages of the unsynced bytes are marked clean: they never reach
    // the disk (fsyncgate).
    const auto from = static_cast<int64_t>(state.durable.size());
    const auto to = static_cast<int64_t>(live.size());
    const bool first = state.lost_to == 0;
    state.lost_from = first ? from : std::min(state.lost_from, from);
    state.lost_to = first ? to : std::max(state.lost_to, to);
    return sync_status;
  }
  std::string durable = live;
  for (int64_t i = state.lost_from; i < state.lost_to && i < static_cast<int64_t>(durable.size());
       ++i) {
    durable[i] = i < static_cast<int64_t>(state.durable.size()) ? state.durable[i] : '\0';
  }
  state.durable = std::move(durable);
  return absl::OkStatus();
}

std::map<std::string, FaultInjectionFileSystem::Entry> FaultInjectionFileSystem::LiveEntries(
    const std::string& dir) {
  std::map<std::string, Entry> out;
  absl::StatusOr<std::vector<std::string>> names = real_->ListDir(dir);
  if (!names.ok()) return out;
  for (const std::string& name : *names) {
    const std::string path = dir + "/" + name;
    if (IsDir(path)) {
      out[name] = Entry{true, 0};
      continue;
    }
    auto it = ids_.find(path);
    if (it == ids_.end()) {
      // Made outside this file system (LevelDB's LOCK and LOG): durable as is.
      const FileId id = next_id_++;
      files_[id].durable = ReadReal(path);
      it = ids_.emplace(path, id).first;
    }
    out[name] = Entry{false, it->second};
  }
  return out;
}

void FaultInjectionFileSystem::ScanDurable(const std::string& dir) {
  durable_dirs_[dir] = LiveEntries(dir);
  for (const auto& [name, entry] : durable_dirs_[dir]) {
    if (entry.is_dir) ScanDurable(dir + "/" + name);
  }
}

absl::StatusOr<std::unique_ptr<fs::File>> FaultInjectionFileSystem::Open(const std::string& path,
                                                                         fs::OpenMode mode) {
  if (!Under(path)) return real_->Open(path, mode);
  FileId id;
  {
    absl::MutexLock l(&mu_);
    if (mode != fs::OpenMode::kExisting) RETURN_IF_ERROR(Mutate("create " + path));
    auto it = ids_.find(path);
    if (it == ids_.end()) {
      if (mode == fs::OpenMode::kExisting && !real_->Exists(path)) {
        return fs::ErrnoStatus(ENOENT, "cannot open " + path);
      }
      id = next_id_++;
      // A file that exists but is unknown was made outside: durable as is.
      if (mode == fs::OpenMode::kExisting)
        files_[id].durable = ReadReal(path);
      else
        files_[id];
      ids_[path] = id;
    } else {
      id = it->second;
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<fs::File> real, real_->Open(path, mode));
  return std::make_unique<FaultInjectionFile>(this, id, std::move(real));
}

absl::Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  if (!Under(from)) return real_->Rename(from, to);
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(Mutate("rename " + from));
  RETURN_IF_ERROR(real_->Rename(from, to));
  auto it = ids_.find(from);
  if (it != ids_.end()) {
    ids_[to] = it->second;
    ids_.erase(from);
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionFileSystem::Remove(const std::string& path) {
  if (!Under(path)) return real_->Remove(path);
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(Mutate("remove " + path));
  RETURN_IF_ERROR(real_->Remove(path));
  ids_.erase(path);
  return absl::OkStatus();
}

absl::Status FaultInjectionFileSystem::RemoveAll(const std::string& path) {
  if (!Under(path)) return real_->RemoveAll(path);
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(Mutate("remove " + path));
  RETURN_IF_ERROR(real_->RemoveAll(path));
  for (auto it = ids_.begin(); it != ids_.end();) {
    if (it->first == path || absl::StartsWith(it->first, path + "/")) {
      it = ids_.erase(it);
    } else {
      ++it;
    }
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionFileSystem::CreateDirs(const std::string& path) {
  if (!Under(path)) return real_->CreateDirs(path);
  absl::MutexLock l(&mu_);
  if (IsDir(path)) return absl::OkStatus();
  RETURN_IF_ERROR(Mutate("mkdir " + path));
  return real_->CreateDirs(path);
}

absl::Status FaultInjectionFileSystem::SyncDir(const std::string& path) {
  if (!Under(path)) return real_->SyncDir(path);
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(Mutate("fsync " + path));
  RETURN_IF_ERROR(MaybeFailSync(path));
  durable_dirs_[path] = LiveEntries(path);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> FaultInjectionFileSystem::ListDir(
    const std::string& path) {
  return real_->ListDir(path);
}

bool FaultInjectionFileSystem::Exists(const std::string& path) { return real_->Exists(path); }

void FaultInjectionFileSystem::FailSyncs(std::string path_part, int skip) {
  absl::MutexLock l(&mu_);
  fail_syncs_ = true;
  fail_path_part_ = std::move(path_part);
  fail_skip_ = skip;
}

void FaultInjectionFileSystem::StopFailingSyncs() {
  absl::MutexLock l(&mu_);
  fail_syncs_ = false;
}

void FaultInjectionFileSystem::HoldSyncs() {
  absl::MutexLock l(&mu_);
  hold_syncs_ = true;
}

void FaultInjectionFileSystem::ReleaseSyncs() {
  absl::MutexLock l(&mu_);
  hold_syncs_ = false;
}

int FaultInjectionFileSystem::syncs_waiting() const {
  absl::MutexLock l(&mu_);
  return syncs_waiting_;
}

int64_t FaultInjectionFileSystem::failed_syncs() const {
  absl::MutexLock l(&mu_);
  return failed_syncs_;
}

void FaultInjectionFileSystem::Crash() {
  absl::MutexLock l(&mu_);
  crashed_ = true;
}

void FaultInjectionFileSystem::CrashAfter(int64_t n) {
  absl::MutexLock l(&mu_);
  crash_countdown_ = n;
}

bool FaultInjectionFileSystem::crashed() const {
  absl::MutexLock l(&mu_);
  return crashed_;
}

absl::Status FaultInjectionFileSystem::PowerLoss(TornWrites torn, uint64_t seed) {
  absl::MutexLock l(&mu_);
  std::mt19937_64 rng(seed);
  std::map<std::string, std::string> files;
  std::vector<std::string> dirs;
  std::map<FileId, std::string> live_path;
  for (const auto& [path, id] : ids_) live_path[id] = path;
  std::function<void(const std::string&)> walk = [&](const std::string& dir) {
    dirs.push_back(dir);
    auto it = durable_dirs_.find(dir);
    if (it == durable_dirs_.end()) return;
    for (const auto& [name, entry] : it->second) {
      const std::string path = dir + "/" + name;
      if (entry.is_dir) {
        walk(path);
        continue;
      }
      const FileState& state = files_[entry.id];
      std::string content = state.durable;
      auto live = live_path.find(entry.id);
      if (torn != TornWrites::kNone && live != live_path.end() && state.lost_to == 0) {
        const std::string now = ReadReal(live->second);
        if (now.size() > content.size() && now.compare(0, content.size(), content) == 0) {
          const std::string tail = now.substr(content.size());
          if (torn == TornWrites::kRandomPrefix) {
            content += tail.substr(0, rng() % (tail.size() + 1));
          } else {
            constexpr size_t kPage = 4096;
            const size_t keep = rng() % (tail.size() + 1);
            for (size_t at = 0; at < keep; at += kPage) {
              const size_t n = std::min(kPage, keep - at);
              content += rng() % 2 == 0 ? tail.substr(at, n) : std::string(n, '\0');
            }
          }
        }
      }
      files[path] = std::move(content);
    }
  };
  walk(root_);
  // Rewrite the tree as it stands after the power loss.
  ASSIGN_OR_RETURN(std::vector<std::string> top, real_->ListDir(root_));
  for (const std::string& name : top) RETURN_IF_ERROR(real_->RemoveAll(root_ + "/" + name));
  for (const std::string& dir : dirs) RETURN_IF_ERROR(real_->CreateDirs(dir));
  for (const auto& [path, content] : files) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) return absl::InternalError("cannot rewrite " + path);
  }
  ids_.clear();
  files_.clear();
  durable_dirs_.clear();
  ScanDurable(root_);
  crashed_ = false;
  crash_countdown_ = -1;
  fail_syncs_ = false;
  return absl::OkStatus();
}

}  // namespace eventlog::storage::testing
