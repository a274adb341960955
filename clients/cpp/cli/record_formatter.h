// RecordFormatter: renders consumed records for `eventlog consume`, as text
// (the value, or key<TAB>value) or as one JSON object per line:
//   {"topic":..,"partition":..,"offset":..,"timestamp_ms":..,"key":..,
//    "value":..,"headers":[{"key":..,"value":..}]}
// Bytes that are valid UTF-8 are written as JSON strings; other bytes as
// base64, flagged by a sibling field "key_encoding"/"value_encoding":"base64".
//
// Not thread-safe (reuses one output buffer).
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "eventlog/v1/eventlog.pb.h"

namespace eventlog::cli {

class RecordFormatter {
 public:
  enum class Format { kText, kJson };

  RecordFormatter(Format format, bool print_keys, std::string topic);

  // The record's line, newline included; valid until the next call.
  const std::string& Render(const v1::Record& record);

  // Exposed for tests and reuse.
  static bool IsValidUtf8(absl::string_view bytes);
  static void AppendJsonString(absl::string_view utf8, std::string& out);

 private:
  // Appends "name":value[,"name_encoding":"base64"].
  void AppendBytesField(absl::string_view name, absl::string_view bytes);

  const Format format_;
  const bool print_keys_;
  const std::string topic_;
  std::string line_;
};

}  // namespace eventlog::cli
