#include "storage/fs/file_system.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage::fs {

absl::Status ErrnoStatus(int err, const std::string& context) {
  std::string message = absl::StrCat(context, ": ", std::strerror(err));
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    case EMFILE:
    case ENFILE:
      return absl::ResourceExhaustedError(
          absl::StrCat(message, " (every segment file stays open: raise the open file limit)"));
    case ENOENT:
      return absl::NotFoundError(message);
    default:
      return absl::InternalError(message);
  }
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status WriteFileAtomically(FileSystem& fs, const std::string& path,
                                 const std::string& contents) {
  const std::string temp = path + ".tmp";
  {
    ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs.Open(temp, OpenMode::kCreate));
    iovec iov{const_cast<char*>(contents.data()), contents.size()};
    RETURN_IF_ERROR(file->WriteAt(0, &iov, 1));
    RETURN_IF_ERROR(file->Sync());
  }
  RETURN_IF_ERROR(fs.Rename(temp, path));
  return fs.SyncDir(DirName(path));
}

absl::StatusOr<std::string> ReadWholeFile(FileSystem& fs, const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs.Open(path, OpenMode::kExisting));
  ASSIGN_OR_RETURN(int64_t size, file->Size());
  std::string contents(static_cast<size_t>(size), '\0');
  RETURN_IF_ERROR(file->ReadAt(0, contents.size(), contents.data()));
  return contents;
}

}  // namespace eventlog::storage::fs
