// FuzzTempDir: a fresh directory under $TMPDIR for one fuzz target's files,
// removed (recursively) on destruction. The fuzz ctest wrapper points TMPDIR
// at a tmpfs when there is one (fsync is then free) and removes it after.
//
// Not thread-safe.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace eventlog::fuzz {

class FuzzTempDir {
 public:
  FuzzTempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "eventlog-fuzz-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    if (made == nullptr) std::abort();
    path_ = made;
  }
  ~FuzzTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  FuzzTempDir(const FuzzTempDir&) = delete;
  FuzzTempDir& operator=(const FuzzTempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace eventlog::fuzz
