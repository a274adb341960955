// Small helpers for absl::Status plumbing (Abseil 20220623 has no
// status_macros.h). Header-only.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define EVENTLOG_CONCAT_INNER(a, b) a##b
#define EVENTLOG_CONCAT(a, b) EVENTLOG_CONCAT_INNER(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                           \
  do {                                                  \
    ::absl::Status eventlog_status_ = (expr);           \
    if (!eventlog_status_.ok()) return eventlog_status_; \
  } while (0)

// ASSIGN_OR_RETURN(auto x, MakeX()); returns the error status if not OK.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(EVENTLOG_CONCAT(eventlog_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return std::move(tmp).status(); \
  lhs = std::move(tmp).value()
