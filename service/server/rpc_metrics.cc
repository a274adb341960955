#include "service/server/rpc_metrics.h"

#include <google/protobuf/descriptor.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "eventlog/v1/eventlog.grpc.pb.h"
#include "storage/util/logging/logger.h"

namespace eventlog::service {
namespace {

constexpr std::array<absl::string_view, RpcMetrics::kCodes> kCodeNames = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Lives as long as its call: gRPC destroys interceptors with the call.
class RpcMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(RpcMetrics* metrics, int method, grpc::ServerContextBase* context)
      : metrics_(metrics), method_(method), context_(context), started_ns_(NowNanos()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const int64_t nanos = metrics_->timed_by_interceptor(method_) ? NowNanos() - started_ns_ : -1;
      metrics_->RecordRequest(method_, status.error_code(), nanos,
                              context_ != nullptr ? context_->peer() : std::string(),
                              status.error_message());
    }
    methods->Proceed();
  }

 private:
  RpcMetrics* const metrics_;
  const int method_;
  grpc::ServerContextBase* const context_;
  const int64_t started_ns_;
};

class RpcMetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcMetricsInterceptorFactory(RpcMetrics* metrics) : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    if (info->method() == nullptr) return nullptr;
    const int method = metrics_->MethodIndex(info->method());
    if (method < 0 || !metrics_->counted_by_interceptor(method)) return nullptr;
    // Owned by the call (gRPC's interceptor API).
    return new RpcMetricsInterceptor(metrics_, method, info->server_context());
  }

 private:
  RpcMetrics* const metrics_;
};

}  // namespace

RpcMetrics::RpcMetrics() {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          eventlog::v1::EventLog::service_full_name());
  methods_ = std::vector<Method>(service == nullptr ? 0 : service->method_count());
  for (size_t i = 0; i < methods_.size(); ++i) {
    const google::protobuf::MethodDescriptor* descriptor = service->method(static_cast<int>(i));
    Method& method = methods_[i];
    method.name = descriptor->name();
    method.unary = !descriptor->client_streaming() && !descriptor->server_streaming();
    method.intercepted = method.name != "ProduceStream";
    if (method.unary || !method.intercepted) {
      // 100 us .. ~13 s by factors of 2.
      method.latency = std::make_unique<metrics::Histogram>(
          metrics::Histogram::ExponentialBounds(100'000, 2, 18));
    }
    by_path_[absl::StrCat("/", service->full_name(), "/", method.name)] = static_cast<int>(i);
  }
}

int RpcMetrics::MethodIndex(absl::string_view full_method) const {
  auto it = by_path_.find(full_method);
  return it == by_path_.end() ? -1 : it->second;
}

int RpcMetrics::MethodByName(absl::string_view name) const {
  for (size_t i = 0; i < methods_.size(); ++i) {
    if (methods_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void RpcMetrics::RecordRequest(int method, grpc::StatusCode code, int64_t nanos,
                               absl::string_view peer, absl::string_view message) {
  if (method < 0 || static_cast<size_t>(method) >= methods_.size()) return;
  const int index = static_cast<int>(code);
  Method& m = methods_[method];
  if (index >= 0 && index < kCodes) m.requests[index].Add();
  if (nanos >= 0 && m.latency != nullptr) m.latency->Observe(nanos);
  if (code != grpc::StatusCode::OK &&
      logging::Logger::Default().Enabled(logging::LogLevel::kDebug)) {
    logging::LogDebug("server", "request refused",
                      {{"method", m.name},
                       {"code", index >= 0 && index < kCodes ? kCodeNames[index] : "UNKNOWN"},
                       {"peer", peer},
                       {"error", message}});
  }
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
RpcMetrics::NewInterceptorFactory() {
  return std::make_unique<RpcMetricsInterceptorFactory>(this);
}

void RpcMetrics::Write(metrics::MetricWriter& writer) const {
  using Type = metrics::MetricWriter::Type;
  writer.Begin("eventlog_requests_total", Type::kCounter,
               "eventlog.v1 requests answered, by method and gRPC code: unary calls, each "
               "ProduceStream request, each Subscribe stream when it ends.");
  for (const Method& method : methods_) {
    for (int code = 0; code < kCodes; ++code) {
      const int64_t n = method.requests[code].value();
      // Every method's OK series always exists, so rates start at zero.
      if (n == 0 && code != 0) continue;
      writer.Sample({{"method", method.name}, {"code", kCodeNames[code]}}, n);
    }
  }
  writer.Begin("eventlog_request_duration_seconds", Type::kHistogram,
               "Time from a request's arrival to its answer: unary calls (a long-poll Fetch "
               "includes its wait) and ProduceStream requests (until the append is durable as "
               "asked).");
  for (const Method& method : methods_) {
    if (method.latency == nullptr) continue;
    writer.Histogram({{"method", method.name}}, method.latency->snapshot(), 1e9);
  }
}

}  // namespace eventlog::service
