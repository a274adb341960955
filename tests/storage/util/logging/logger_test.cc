#include "storage/util/logging/logger.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace eventlog::logging {
namespace {

using ::eventlog::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kTime = absl::FromUnixMillis(1'700'000'000'123);

TEST(LoggerTest, TextLinesHaveTimeLevelComponentMessageAndFields) {
  Logger logger;
  EXPECT_EQ(logger.FormatLine(kTime, LogLevel::kWarning, "storage", "sync slow",
                              {{"topic", "orders"}, {"partition", 3}, {"durable", true}}),
            "2023-11-14T22:13:20.123Z WARNING storage: sync slow topic=orders partition=3 "
            "durable=true");
}

TEST(LoggerTest, TextValuesWithSpacesQuotesOrNothingAreQuoted) {
  Logger logger;
  EXPECT_EQ(logger.FormatLine(kTime, LogLevel::kInfo, "c", "m",
                              {{"a", "two words"}, {"b", ""}, {"c", "x=\"y\""}, {"d", "l1\nl2"}}),
            "2023-11-14T22:13:20.123Z INFO c: m a=\"two words\" b=\"\" c=\"x=\\\"y\\\"\" "
            "d=\"l1\\nl2\"");
}

TEST(LoggerTest, JsonLinesAreObjectsWithTypedFields) {
  Logger logger;
  logger.Configure(LogLevel::kDebug, LogFormat::kJson);
  EXPECT_EQ(logger.FormatLine(kTime, LogLevel::kError, "server", "refused \"x\"",
                              {{"peer", "ipv4:127.0.0.1:5"}, {"code", 5}, {"ok", false}}),
            "{\"time\":\"2023-11-14T22:13:20.123Z\",\"level\":\"error\",\"component\":\"server\","
            "\"msg\":\"refused \\\"x\\\"\",\"peer\":\"ipv4:127.0.0.1:5\",\"code\":5,"
            "\"ok\":false}");
}

TEST(LoggerTest, JsonEscapesControlCharacters) {
  Logger logger;
  logger.Configure(LogLevel::kInfo, LogFormat::kJson);
  EXPECT_THAT(logger.FormatLine(kTime, LogLevel::kInfo, "c", std::string("a\x01z\t", 4), {}),
              HasSubstr("\"msg\":\"a\\u0001z\\t\""));
}

TEST(LoggerTest, LinesBelowTheLevelAreDropped) {
  Logger logger;
  std::vector<std::string> lines;
  logger.SetSink([&](absl::string_view line) { lines.emplace_back(line); });
  logger.Configure(LogLevel::kWarning, LogFormat::kText);
  logger.Log(LogLevel::kInfo, "c", "dropped");
  logger.Log(LogLevel::kError, "c", "kept");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("ERROR c: kept"));
  EXPECT_EQ(lines[0].back(), '\n');
  EXPECT_FALSE(logger.Enabled(LogLevel::kDebug));
  EXPECT_TRUE(logger.Enabled(LogLevel::kWarning));
}

TEST(LoggerTest, LevelsAndFormatsParseByName) {
  EXPECT_EQ(*Logger::ParseLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*Logger::ParseLevel("WARNING"), LogLevel::kWarning);
  EXPECT_THAT(Logger::ParseLevel("verbose"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(*Logger::ParseFormat("json"), LogFormat::kJson);
  EXPECT_THAT(Logger::ParseFormat("xml"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace eventlog::logging
