#include "storage/util/logging/logger.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "storage/util/no_destructor.h"

namespace eventlog::logging {
namespace {

constexpr absl::string_view kTimeFormat = "%Y-%m-%d%ET%H:%M:%E3SZ";

// JSON string contents (without the quotes).
void AppendJsonEscaped(std::string* out, absl::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned char>(c));
          out->append(escaped);
        } else {
          out->push_back(c);
        }
    }
  }
}

bool NeedsQuotes(absl::string_view value) {
  if (value.empty()) return true;
  for (const char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

// A text-format value: as is, or quoted with JSON's escapes.
void AppendTextValue(std::string* out, absl::string_view value) {
  if (!NeedsQuotes(value)) {
    out->append(value.data(), value.size());
    return;
  }
  out->push_back('"');
  AppendJsonEscaped(out, value);
  out->push_back('"');
}

void WriteToStderr(absl::string_view line) {
  while (!line.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report it
    line.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

Logger& Logger::Default() {
  static util::NoDestructor<Logger> logger;
  return *logger.get();
}

absl::StatusOr<LogLevel> Logger::ParseLevel(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "warning" || lower == "warn") return LogLevel::kWarning;
  if (lower == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log level \"", name, "\"; use debug, info, warning or error"));
}

absl::StatusOr<LogFormat> Logger::ParseFormat(absl::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log format \"", name, "\"; use text or json"));
}

absl::string_view Logger::LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void Logger::Configure(LogLevel min_level, LogFormat format) {
  min_level_.store(static_cast<int>(min_level), std::memory_order_relaxed);
  format_.store(format, std::memory_order_relaxed);
}

void Logger::SetSink(std::function<void(absl::string_view line)> sink) {
  absl::MutexLock lock(&mu_);
  sink_ = std::move(sink);
}

std::string Logger::FormatLine(absl::Time time, LogLevel level, absl::string_view component,
                               absl::string_view message, absl::Span<const LogField> fields) const {
  const std::string when = absl::FormatTime(kTimeFormat, time, absl::UTCTimeZone());
  std::string line;
  line.reserve(96 + message.size());
  if (format_.load(std::memory_order_relaxed) == LogFormat::kJson) {
    absl::StrAppend(&line, "{\"time\":\"", when, "\",\"level\":\"", LevelName(level),
                    "\",\"component\":\"");
    AppendJsonEscaped(&line, component);
    line.append("\",\"msg\":\"");
    AppendJsonEscaped(&line, message);
    line.push_back('"');
    for (const LogField& field : fields) {
      line.append(",\"");
      AppendJsonEscaped(&line, field.key());
      line.append("\":");
      if (field.quoted()) {
        line.push_back('"');
        AppendJsonEscaped(&line, field.value());
        line.push_back('"');
      } else {
        line.append(field.value());
      }
    }
    line.push_back('}');
    return line;
  }
  absl::StrAppend(&line, when, " ", absl::AsciiStrToUpper(LevelName(level)), " ", component, ": ",
                  message);
  for (const LogField& field : fields) {
    absl::StrAppend(&line, " ", field.key(), "=");
    AppendTextValue(&line, field.value());
  }
  return line;
}

void Logger::Log(LogLevel level, absl::string_view component, absl::string_view message,
                 absl::Span<const LogField> fields) {
  if (!Enabled(level)) return;
  std::string line = FormatLine(absl::Now(), level, component, message, fields);
  line.push_back('\n');
  absl::MutexLock lock(&mu_);
  if (sink_) {
    sink_(line);
  } else {
    WriteToStderr(line);
  }
}

}  // namespace eventlog::logging
