#include "storage/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace eventlog::storage::file_util {

std::string SegmentFileName(int64_t base_offset) {
  return absl::StrFormat("%020d%s", base_offset, kSegmentSuffix);
}

bool ParseSegmentFileName(absl::string_view name, int64_t* base_offset) {
  if (name.size() != 20 + kSegmentSuffix.size() || !absl::EndsWith(name, kSegmentSuffix)) {
    return false;
  }
  absl::string_view digits = name.substr(0, 20);
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(digits, base_offset) && *base_offset >= 0;
}

absl::Status ErrnoStatus(int err, absl::string_view context) {
  std::string message = absl::StrCat(context, ": ", std::strerror(err));
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    case ENOENT:
      return absl::NotFoundError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status CreateDirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return ErrnoStatus(ec.value(), absl::StrCat("cannot create directory ", path));
  return absl::OkStatus();
}

absl::Status RemoveAll(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return ErrnoStatus(ec.value(), absl::StrCat("cannot remove ", path));
  return absl::OkStatus();
}

absl::Status SyncDir(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("cannot open directory ", path));
  absl::Status status;
  if (::fsync(fd) != 0) status = ErrnoStatus(errno, absl::StrCat("cannot fsync directory ", path));
  ::close(fd);
  return status;
}

absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return ErrnoStatus(errno, absl::StrCat("cannot list directory ", path));
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    absl::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(dir);
  return names;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace eventlog::storage::file_util
