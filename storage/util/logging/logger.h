// Logger: structured logs, one line per event, with a time, a level, the
// component that logs (storage, broker, server, http, eventlogd), a message
// and key=value fields (topic, partition, group, peer, ...), written as
//
//   text: 2026-12-08T10:15:02.123Z INFO storage: message topic=orders partition=3
//   json: {"time":"2026-12-08T10:15:02.123Z","level":"info","component":"storage",
//          "msg":"message","topic":"orders","partition":3}
//
// Text values are quoted (Go strconv style) when they are empty or hold
// spaces, quotes, '=' or control characters; JSON is one object per line.
// Lines below the configured level cost one relaxed atomic load. Abseil
// only, so storage can use it.
//
// Thread-safe: lines are written whole (one write(2) under a lock), so
// concurrent lines never interleave. Logger::Default() lives forever.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "storage/util/logging/log_field.h"

namespace eventlog::logging {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kText, kJson };

class Logger {
 public:
  // Writes to stderr, text, level info.
  Logger() = default;
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // The process's logger (stderr, text, info until Configure()).
  static Logger& Default();

  // "debug", "info", "warning" or "error"; INVALID_ARGUMENT otherwise.
  static absl::StatusOr<LogLevel> ParseLevel(absl::string_view name);
  // "text" or "json"; INVALID_ARGUMENT otherwise.
  static absl::StatusOr<LogFormat> ParseFormat(absl::string_view name);
  static absl::string_view LevelName(LogLevel level);

  void Configure(LogLevel min_level, LogFormat format);
  // Lines go to `sink` (whole lines, with their newline) instead of stderr;
  // an empty function restores stderr. For tests.
  void SetSink(std::function<void(absl::string_view line)> sink);

  bool Enabled(LogLevel level) const {
    return static_cast<int>(level) >= min_level_.load(std::memory_order_relaxed);
  }

  // Writes one line if `level` is enabled. Field keys should be
  // [a-z_]+; repeated keys are written as given.
  void Log(LogLevel level, absl::string_view component, absl::string_view message,
           absl::Span<const LogField> fields = {});

  // The line Log() would write at `time`, without its newline. Exposed for
  // tests.
  std::string FormatLine(absl::Time time, LogLevel level, absl::string_view component,
                         absl::string_view message, absl::Span<const LogField> fields) const;

 private:
  std::atomic<int> min_level_{static_cast<int>(LogLevel::kInfo)};
  std::atomic<LogFormat> format_{LogFormat::kText};
  absl::Mutex mu_;
  std::function<void(absl::string_view)> sink_ ABSL_GUARDED_BY(mu_);
};

// Shorthands for Logger::Default().Log(...).
inline void LogDebug(absl::string_view component, absl::string_view message,
                     absl::Span<const LogField> fields = {}) {
  Logger::Default().Log(LogLevel::kDebug, component, message, fields);
}
inline void LogInfo(absl::string_view component, absl::string_view message,
                    absl::Span<const LogField> fields = {}) {
  Logger::Default().Log(LogLevel::kInfo, component, message, fields);
}
inline void LogWarning(absl::string_view component, absl::string_view message,
                       absl::Span<const LogField> fields = {}) {
  Logger::Default().Log(LogLevel::kWarning, component, message, fields);
}
inline void LogError(absl::string_view component, absl::string_view message,
                     absl::Span<const LogField> fields = {}) {
  Logger::Default().Log(LogLevel::kError, component, message, fields);
}

}  // namespace eventlog::logging
