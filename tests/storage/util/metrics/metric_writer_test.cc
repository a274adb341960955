#include "storage/util/metrics/metric_writer.h"

#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace eventlog::metrics {
namespace {

using Type = MetricWriter::Type;

TEST(MetricWriterTest, WritesHelpTypeAndLabelledSamples) {
  MetricWriter w;
  w.Begin("eventlog_topic_records_produced_total", Type::kCounter, "Records appended.");
  w.Sample({{"topic", "orders"}}, int64_t{42});
  w.Sample({{"topic", "audit"}}, int64_t{9007199254740993});  // exact above 2^53
  w.Single("eventlog_topics", Type::kGauge, "Topics.", 2);
  EXPECT_EQ(w.text(),
            "# HELP eventlog_topic_records_produced_total Records appended.\n"
            "# TYPE eventlog_topic_records_produced_total counter\n"
            "eventlog_topic_records_produced_total{topic=\"orders\"} 42\n"
            "eventlog_topic_records_produced_total{topic=\"audit\"} 9007199254740993\n"
            "# HELP eventlog_topics Topics.\n"
            "# TYPE eventlog_topics gauge\n"
            "eventlog_topics 2\n");
}

TEST(MetricWriterTest, EscapesLabelValuesAndHelp) {
  MetricWriter w;
  w.Begin("m", Type::kGauge, "a \\ b\nc \"quoted\"");
  w.Sample({{"group", "a\"b\\c\nd"}, {"topic", "t"}}, int64_t{1});
  EXPECT_EQ(w.text(),
            "# HELP m a \\\\ b\\nc \"quoted\"\n"
            "# TYPE m gauge\n"
            "m{group=\"a\\\"b\\\\c\\nd\",topic=\"t\"} 1\n");
}

TEST(MetricWriterTest, HistogramsInBaseUnits) {
  Histogram h({500'000, 1'000'000});  // nanoseconds
  h.Observe(200'000);
  h.Observe(700'000);
  h.Observe(3'000'000);
  MetricWriter w;
  w.Begin("eventlog_fsync_duration_seconds", Type::kHistogram, "Fsyncs.");
  w.Histogram({{"method", "Produce"}}, h.snapshot(), 1e9);
  EXPECT_EQ(w.text(),
            "# HELP eventlog_fsync_duration_seconds Fsyncs.\n"
            "# TYPE eventlog_fsync_duration_seconds histogram\n"
            "eventlog_fsync_duration_seconds_bucket{method=\"Produce\",le=\"0.0005\"} 1\n"
            "eventlog_fsync_duration_seconds_bucket{method=\"Produce\",le=\"0.001\"} 2\n"
            "eventlog_fsync_duration_seconds_bucket{method=\"Produce\",le=\"+Inf\"} 3\n"
            "eventlog_fsync_duration_seconds_sum{method=\"Produce\"} 0.0039\n"
            "eventlog_fsync_duration_seconds_count{method=\"Produce\"} 3\n");
}

TEST(MetricWriterTest, DoublesAreShortestAndSpecialValuesSpelledAsTheFormatWants) {
  EXPECT_EQ(MetricWriter::FormatDouble(0.1), "0.1");
  EXPECT_EQ(MetricWriter::FormatDouble(0.0005), "0.0005");
  EXPECT_EQ(MetricWriter::FormatDouble(1234.5), "1234.5");
  EXPECT_EQ(MetricWriter::FormatDouble(1e21), "1e+21");
  EXPECT_EQ(MetricWriter::FormatDouble(1e-9), "1e-09");
  EXPECT_EQ(MetricWriter::FormatDouble(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(MetricWriter::FormatDouble(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(MetricWriter::FormatDouble(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

}  // namespace
}  // namespace eventlog::metrics
