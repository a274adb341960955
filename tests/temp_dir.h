// TempDir: a fresh directory under $TMPDIR, removed (recursively) on
// destruction. Without gtest, so the fuzz targets use it too.
//
// Not thread-safe.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace eventlog::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "eventlog-test-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    if (made == nullptr) std::abort();
    path_ = made;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace eventlog::testing
