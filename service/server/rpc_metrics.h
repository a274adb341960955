// RpcMetrics: what eventlog.v1 clients asked and how it went, for metrics,
// and the debug log line of every refused request. Counted in one place: a
// server interceptor sees every call end (NewInterceptorFactory), and the
// ProduceStream reactor reports each request of its stream (RecordRequest).
//
//   requests by method and gRPC code: each unary call, each ProduceStream
//     request (its error is in its response, the stream goes on), each
//     Subscribe stream when it ends; ProduceStream streams themselves are
//     not counted (their requests are);
//   latency by method: unary calls (a long-poll Fetch includes its wait) and
//     ProduceStream requests (read to append completed).
//
// Thread-safe; recording is relaxed atomic adds (no lock). Must outlive the
// server built with its interceptor.
#pragma once

#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "storage/util/metrics/counter.h"
#include "storage/util/metrics/histogram.h"
#include "storage/util/metrics/metric_writer.h"

namespace eventlog::service {

class RpcMetrics {
 public:
  // gRPC's status codes, OK (0) to UNAUTHENTICATED (16).
  static constexpr int kCodes = 17;

  // The methods of eventlog.v1.EventLog, from its descriptor.
  RpcMetrics();

  RpcMetrics(const RpcMetrics&) = delete;
  RpcMetrics& operator=(const RpcMetrics&) = delete;

  // The index of "/eventlog.v1.EventLog/NAME", or -1 for other services.
  int MethodIndex(absl::string_view full_method) const;
  // The index of a method by its short name (e.g. "ProduceStream"); -1 if
  // unknown.
  int MethodByName(absl::string_view name) const;

  // Counts a request of `method` (an index) that ended with `code`, and its
  // latency if `nanos` >= 0. Logs it at debug level when `code` is not OK.
  void RecordRequest(int method, grpc::StatusCode code, int64_t nanos, absl::string_view peer,
                     absl::string_view message);

  // For ServerBuilder::experimental().SetInterceptorCreators.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewInterceptorFactory();

  // Writes eventlog_requests_total and eventlog_request_duration_seconds.
  void Write(metrics::MetricWriter& writer) const;

  // Whether the method's latency is recorded by the interceptor (unary
  // calls) rather than by its reactor or not at all (streams).
  bool timed_by_interceptor(int method) const { return methods_[method].unary; }
  bool counted_by_interceptor(int method) const { return methods_[method].intercepted; }

 private:
  struct Method {
    std::string name;
    bool unary = false;
    bool intercepted = true;  // false: its reactor reports each request
    std::array<metrics::Counter, kCodes> requests;
    std::unique_ptr<metrics::Histogram> latency;  // null for streams
  };

  std::vector<Method> methods_;
  absl::flat_hash_map<std::string, int> by_path_;
};

}  // namespace eventlog::service
