// CapturedLog: while it lives, the process's logger (logging::Logger::
// Default()) writes to it instead of stderr, so a test can check what was
// reported to the operator. One at a time.
#pragma once

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "storage/util/logging/logger.h"

namespace eventlog::testing {

class CapturedLog {
 public:
  CapturedLog() {
    logging::Logger::Default().SetSink([this](absl::string_view line) {
      absl::MutexLock lock(&mu_);
      lines_.emplace_back(line);
    });
  }
  ~CapturedLog() { logging::Logger::Default().SetSink(nullptr); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  // Every line so far, each with its newline.
  std::vector<std::string> Lines() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }
  std::string Text() {
    absl::MutexLock lock(&mu_);
    return absl::StrJoin(lines_, "");
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::testing
