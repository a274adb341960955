#include "clients/cpp/cli/record_formatter.h"

#include <cstdint>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace eventlog::cli {

RecordFormatter::RecordFormatter(Format format, bool print_keys, std::string topic)
    : format_(format), print_keys_(print_keys), topic_(std::move(topic)) {}

const std::string& RecordFormatter::Render(const v1::Record& record) {
  line_.clear();
  if (format_ == Format::kText) {
    if (print_keys_) absl::StrAppend(&line_, record.key(), "\t");
    absl::StrAppend(&line_, record.value(), "\n");
    return line_;
  }
  line_ += "{\"topic\":";
  AppendJsonString(record.topic().empty() ? topic_ : record.topic(), line_);
  absl::StrAppend(&line_, ",\"partition\":", record.partition(), ",\"offset\":", record.offset(),
                  ",\"timestamp_ms\":", record.timestamp_ms(), ",");
  AppendBytesField("key", record.key());
  line_ += ',';
  AppendBytesField("value", record.value());
  line_ += ",\"headers\":[";
  for (int i = 0; i < record.headers_size(); ++i) {
    const v1::Header& header = record.headers(i);
    if (i > 0) line_ += ',';
    line_ += '{';
    AppendBytesField("key", header.key());
    line_ += ',';
    AppendBytesField("value", header.value());
    line_ += '}';
  }
  line_ += "]}\n";
  return line_;
}

void RecordFormatter::AppendBytesField(absl::string_view name, absl::string_view bytes) {
  absl::StrAppend(&line_, "\"", name, "\":");
  if (IsValidUtf8(bytes)) {
    AppendJsonString(bytes, line_);
    return;
  }
  absl::StrAppend(&line_, "\"", absl::Base64Escape(bytes), "\",\"", name, "_encoding\":\"base64\"");
}

bool RecordFormatter::IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra;
    uint32_t min;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      extra = 1, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const uint8_t cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF are invalid.
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

void RecordFormatter::AppendJsonString(absl::string_view utf8, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : utf8) {
    const uint8_t c = static_cast<uint8_t>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

}  // namespace eventlog::cli
