#include "storage/util/metrics/metric_writer.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace eventlog::metrics {
namespace {

absl::string_view TypeName(MetricWriter::Type type) {
  switch (type) {
    case MetricWriter::Type::kCounter:
      return "counter";
    case MetricWriter::Type::kGauge:
      return "gauge";
    case MetricWriter::Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// HELP text escapes backslash and newline; label values also the quote.
void AppendEscaped(std::string* out, absl::string_view text, bool quote) {
  for (const char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (quote && c == '"') {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

std::string MetricWriter::FormatDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip text; plain decimals (0.0005, not 5e-04) in the
  // range bucket bounds and counts live in.
  char buffer[64];
  const double magnitude = std::fabs(value);
  const bool plain = value == 0 || (magnitude >= 1e-6 && magnitude < 1e15);
  const std::to_chars_result result =
      plain ? std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed)
            : std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

void MetricWriter::Begin(absl::string_view name, Type type, absl::string_view help) {
  family_ = std::string(name);
  absl::StrAppend(&out_, "# HELP ", name, " ");
  AppendEscaped(&out_, help, /*quote=*/false);
  absl::StrAppend(&out_, "\n# TYPE ", name, " ", TypeName(type), "\n");
}

void MetricWriter::AppendSeries(absl::string_view suffix, absl::Span<const Label> labels,
                                const Label* extra) {
  absl::StrAppend(&out_, family_, suffix);
  if (labels.empty() && extra == nullptr) return;
  out_.push_back('{');
  bool first = true;
  auto append = [&](const Label& label) {
    if (!first) out_.push_back(',');
    first = false;
    absl::StrAppend(&out_, label.first, "=\"");
    AppendEscaped(&out_, label.second, /*quote=*/true);
    out_.push_back('"');
  };
  for (const Label& label : labels) append(label);
  if (extra != nullptr) append(*extra);
  out_.push_back('}');
}

void MetricWriter::Sample(absl::Span<const Label> labels, int64_t value) {
  AppendSeries("", labels);
  absl::StrAppend(&out_, " ", value, "\n");
}

void MetricWriter::Sample(absl::Span<const Label> labels, double value) {
  AppendSeries("", labels);
  absl::StrAppend(&out_, " ", FormatDouble(value), "\n");
}

void MetricWriter::Histogram(absl::Span<const Label> labels, const Histogram::Snapshot& snapshot,
                             double units_per_base) {
  for (size_t i = 0; i < snapshot.cumulative.size(); ++i) {
    const std::string le =
        i < snapshot.bounds.size()
            ? FormatDouble(static_cast<double>(snapshot.bounds[i]) / units_per_base)
            : std::string("+Inf");
    const Label bucket{"le", le};
    AppendSeries("_bucket", labels, &bucket);
    absl::StrAppend(&out_, " ", snapshot.cumulative[i], "\n");
  }
  AppendSeries("_sum", labels);
  absl::StrAppend(&out_, " ", FormatDouble(static_cast<double>(snapshot.sum) / units_per_base),
                  "\n");
  AppendSeries("_count", labels);
  absl::StrAppend(&out_, " ", snapshot.count, "\n");
}

}  // namespace eventlog::metrics
