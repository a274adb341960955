// Helpers shared by the tests: a status matcher (Abseil 20220623 has none)
// and a temporary directory removed on destruction (tests/temp_dir.h).
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/util/status_macros.h"
#include "tests/temp_dir.h"

namespace eventlog::testing {

// Where tests on a util::ManualClock start (2023-11-14), ms since the epoch.
inline constexpr int64_t kNowMs = 1'700'000'000'000;

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// EXPECT_THAT(result, StatusIs(absl::StatusCode::kNotFound));
MATCHER_P(StatusIs, code, "has status code " + ::testing::PrintToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code;
}

// EXPECT_THAT(result, IsOk());
MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.ok();
}

#define EXPECT_OK(expr) EXPECT_THAT((expr), ::eventlog::testing::IsOk())
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::eventlog::testing::IsOk())

// ASSERT_OK_AND_ASSIGN(auto x, MakeX()): fails the test if not OK.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(EVENTLOG_CONCAT(test_statusor_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  ASSERT_OK(tmp.status());                        \
  lhs = std::move(tmp).value()

}  // namespace eventlog::testing
