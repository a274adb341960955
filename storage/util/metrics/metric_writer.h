// MetricWriter: builds a page in the Prometheus text exposition format
// (version 0.0.4, what /metrics serves): metric families, each a "# HELP"
// and "# TYPE" line followed by its samples, with label values escaped.
//
// Naming is the caller's: counters end in _total, values are in base units
// (bytes, seconds), histograms of durations end in _seconds. A family must
// be begun once and its samples written right after it.
//
// Thread-compatible: one writer per page.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "storage/util/metrics/histogram.h"

namespace eventlog::metrics {

class MetricWriter {
 public:
  enum class Type { kCounter, kGauge, kHistogram };
  using Label = std::pair<absl::string_view, absl::string_view>;

  // Starts the family `name` ([a-zA-Z_:][a-zA-Z0-9_:]*).
  void Begin(absl::string_view name, Type type, absl::string_view help);

  // A sample of the current (counter or gauge) family.
  void Sample(absl::Span<const Label> labels, int64_t value);
  void Sample(absl::Span<const Label> labels, double value);

  // The current (histogram) family's _bucket, _sum and _count series for
  // `snapshot`, whose bounds and sum are divided by `units_per_base` (1e9
  // for a histogram of nanoseconds written in seconds; dividing keeps
  // 500000 ns exactly "0.0005").
  void Histogram(absl::Span<const Label> labels, const Histogram::Snapshot& snapshot,
                 double units_per_base = 1);

  // Shorthand: Begin + one unlabelled sample.
  void Single(absl::string_view name, Type type, absl::string_view help, int64_t value) {
    Begin(name, type, help);
    Sample({}, value);
  }

  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

  // The shortest text that reads back as `value` ("+Inf", "NaN" as the
  // format spells them). Exposed for tests.
  static std::string FormatDouble(double value);

 private:
  void AppendSeries(absl::string_view suffix, absl::Span<const Label> labels,
                    const Label* extra = nullptr);

  std::string out_;
  std::string family_;
};

}  // namespace eventlog::metrics
