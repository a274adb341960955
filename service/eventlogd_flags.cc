// eventlogd's flags: their definitions, the ServerOptions they make, the
// checks the store does not do itself, and --help / the startup line over
// them (the flags of this file, not Abseil's).
#include "service/eventlogd_flags.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "service/config_file.h"
#include "service/memory_trimmer.h"
#include "service/server/event_log_server.h"
#include "storage/util/build_info.h"
#include "storage/util/logging/logger.h"
#include "storage/util/open_files.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:7070",
          "HOST:PORT to serve gRPC on. Port 0 picks a free port; the real one is printed as "
          "\"listening on HOST:PORT\" once the server is ready.");
ABSL_FLAG(std::string, data_dir, "./data",
          "Directory holding the topics' segment files and the LevelDB index; created if "
          "missing. Only one eventlogd may use a directory at a time.");
ABSL_FLAG(int32_t, default_partitions, 1, "Partitions of a topic created with partitions = 0.");
ABSL_FLAG(int64_t, default_segment_bytes, 1LL << 30,
          "Segment roll size of topics that leave config.segment_bytes unset (0).");
ABSL_FLAG(int64_t, default_retention_ms, 7LL * 24 * 3600 * 1000,
          "Time retention of topics that leave config.retention_ms unset (0); -1 keeps records "
          "forever.");
ABSL_FLAG(int64_t, default_retention_bytes, -1,
          "Size retention per partition of topics that leave config.retention_bytes unset (0); "
          "-1 = unlimited.");
ABSL_FLAG(int32_t, default_max_message_bytes, 1 << 20,
          "Largest record (encoded key + value + headers) of topics that leave "
          "config.max_message_bytes unset (0).");
ABSL_FLAG(int64_t, message_timestamp_after_max_ms, 3600LL * 1000,
          "Records of topics that leave config.message_timestamp_after_max_ms unset (0) are "
          "refused (INVALID_ARGUMENT, nothing of the request appended) when their timestamp is "
          "more than this ahead of the broker's clock; -1 = no bound.");
ABSL_FLAG(int64_t, message_timestamp_before_max_ms, -1,
          "Likewise for timestamps this far behind the broker's clock; -1 = no bound.");
ABSL_FLAG(std::string, default_timestamp_type, "create_time",
          "Timestamps of topics that leave config.timestamp_type unset: create_time (the "
          "producer's, 0 = append time) or log_append_time (the broker's clock).");
ABSL_FLAG(int64_t, flush_interval_ms, 1000,
          "ACKS_LEADER appends are fsynced at least this often (ACKS_ALL appends are fsynced "
          "before the reply).");
ABSL_FLAG(int64_t, min_free_bytes, 64LL << 20,
          "Produce fails with RESOURCE_EXHAUSTED (appending nothing) once an append would leave "
          "less than this many bytes free on the data directory's filesystem, keeping room for "
          "the index and committed offsets; produce resumes as soon as space is freed. "
          "0 = off (the filesystem's ENOSPC is then the limit).");
ABSL_FLAG(int64_t, malloc_trim_interval_ms, 5000,
          "Free memory is handed back to the kernel (malloc_trim) this often, so RSS follows "
          "what is in use; 0 = never.");
ABSL_FLAG(int64_t, page_cache_window_bytes, 64LL << 20,
          "Per partition, the newest this-many bytes stay in the page cache for readers; older "
          "bytes are dropped from it once fsynced, so new appends reuse those pages. -1 = leave "
          "the page cache to the kernel.");
ABSL_FLAG(int64_t, cleanup_interval_ms, 5000, "Retention and compaction run at least this often.");
ABSL_FLAG(int64_t, max_request_bytes, 64LL << 20,
          "Largest produce request (its records, encoded) and gRPC message accepted; larger "
          "ones fail with RESOURCE_EXHAUSTED.");
ABSL_FLAG(int32_t, max_partitions, 1024,
          "Most partitions a topic may have; more fail with RESOURCE_EXHAUSTED.");
ABSL_FLAG(int64_t, max_subscriptions, 100000,
          "Most Subscribe streams open at once, server-wide; more fail with "
          "RESOURCE_EXHAUSTED. 0 = unlimited.");
ABSL_FLAG(int64_t, produce_quota_bytes_per_sec, 0,
          "Produce rate per client connection, in request bytes per second (bursts of one "
          "second's worth; a larger request passes when the connection has been idle for a "
          "second); requests over it fail with RESOURCE_EXHAUSTED and append nothing. "
          "0 = unlimited.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain of the server; with --tls_key, serve TLS instead of plaintext.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA certificate(s): require every client to present a certificate signed by "
          "them (mutual TLS); the certificate's subject CN names the client when it sends no "
          "token. Needs --tls_cert.");
ABSL_FLAG(std::string, auth_tokens, "",
          "File of \"TOKEN PRINCIPAL\" lines: clients must send \"authorization: Bearer "
          "TOKEN\" (or, with --tls_client_ca, a client certificate). Re-read on SIGHUP.");
ABSL_FLAG(std::string, acl, "",
          "File of \"PRINCIPAL OPERATIONS topic:PATTERN|group:PATTERN\" allow rules "
          "(operations read, write, admin, all); anything else is PERMISSION_DENIED. Re-read "
          "on SIGHUP. See docs/SECURITY.md.");
ABSL_FLAG(int64_t, group_session_timeout_ms, 10000,
          "A consumer-group member whose stream has had a message pending for longer than this "
          "has stopped consuming: it is removed from its group and its partitions move (its "
          "stream is cancelled). Also sets how often the server pings connections to notice "
          "vanished clients (half of it, at least 1 s). 0 = never remove for slowness.");
ABSL_FLAG(int64_t, subscribe_cache_bytes, 16LL << 20,
          "Memory for the newest record batches read for subscriptions, shared by every "
          "subscriber of the same partition (0 = no sharing).");
ABSL_FLAG(bool, reflection, true,
          "Serve gRPC server reflection (grpc.reflection.v1alpha) to every client that can "
          "connect; --noreflection hides the API schema on secured deployments.");
ABSL_FLAG(std::string, cluster_etcd, "",
          "Join a cluster coordinated by these etcd members (\"HOST:PORT,HOST:PORT\"); empty: "
          "a single broker with its embedded store (docs/CLUSTER.md).");
ABSL_FLAG(int32_t, broker_id, 0,
          "This broker's id, unique in its cluster (>= 0). A single broker reports it in "
          "GetMetadata.");
ABSL_FLAG(int32_t, default_replication_factor, 1,
          "Copies of each partition of a topic created with replication_factor 0, on distinct "
          "brokers; above 1 only with --cluster_etcd (docs/CLUSTER.md, \"Replication\").");
ABSL_FLAG(std::string, advertise, "",
          "HOST:PORT at which clients and other brokers reach this broker; default: the listen "
          "address with the port bound (required with --cluster_etcd when listening on "
          "0.0.0.0).");
ABSL_FLAG(std::string, cluster_prefix, "/eventlog",
          "etcd key prefix of the cluster's metadata, so that several clusters may share etcd.");
ABSL_FLAG(int64_t, cluster_lease_ttl_seconds, 5,
          "TTL of the broker's etcd lease (and the controller's): a broker that dies or loses "
          "etcd counts as down, and its partitions unavailable, after about this long.");
ABSL_FLAG(int32_t, offsets_topic_partitions, 12,
          "Partitions of the internal __consumer_offsets topic, fixed when the cluster is "
          "created (the first broker's value counts).");
ABSL_FLAG(int32_t, offsets_topic_replication_factor, 3,
          "Replicas of each partition of the internal __consumer_offsets topic, clamped to the "
          "brokers up when a consumer group first needs it (Kafka's "
          "offsets.topic.replication.factor), so that groups survive the loss of their "
          "coordinator.");
ABSL_FLAG(int64_t, replica_lag_time_max_ms, 10000,
          "A follower not caught up to its leader's log end for this long leaves the partition's "
          "in-sync replicas (docs/CLUSTER.md, \"Replication\").");
ABSL_FLAG(int32_t, min_insync_replicas, 1,
          "The min_insync_replicas of topics created without one: ACKS_ALL produce to a "
          "partition of several replicas fails (FAILED_PRECONDITION, Kafka NOT_ENOUGH_REPLICAS) "
          "while fewer replicas are in sync (docs/CLUSTER.md).");
ABSL_FLAG(std::string, kafka_listen, "",
          "HOST:PORT to serve the Kafka wire protocol on (docs/KAFKA.md), next to gRPC and onto "
          "the same topics, groups and offsets; empty = off. Port 0 picks a free port, printed as "
          "\"kafka listening on HOST:PORT\". Uses the same --tls_* files; with --auth_tokens, "
          "Kafka clients authenticate with SASL/PLAIN (username: the token's principal, "
          "password: the token).");
ABSL_FLAG(std::string, kafka_advertise, "",
          "HOST:PORT Kafka clients are told to connect to (Kafka's advertised.listeners); empty "
          "= the --kafka_listen address with its bound port (a 0.0.0.0 host becomes this "
          "machine's host name).");
ABSL_FLAG(int64_t, kafka_group_initial_rebalance_delay_ms, 3000,
          "How long a Kafka consumer group that had no members waits for more to join before "
          "its first generation (Kafka's group.initial.rebalance.delay.ms).");
ABSL_FLAG(int64_t, shutdown_grace_ms, 3000,
          "On SIGTERM/SIGINT, how long open calls may take to finish before they are "
          "cancelled.");
ABSL_FLAG(std::string, http_listen, "",
          "HOST:PORT to serve HTTP on: /healthz and /readyz (probes), /metrics (Prometheus) and "
          "the web console (/). Empty = off (and no metrics are collected). Port 0 picks a free "
          "port, printed as \"serving HTTP on HOST:PORT\". HTTPS with --tls_cert/--tls_key; "
          "with --auth_tokens, /metrics and the console need a bearer token. See "
          "docs/OPERATIONS.md.");
ABSL_FLAG(bool, metrics_per_partition, true,
          "Export per-partition series in /metrics (offsets, size, group lag per partition); "
          "turn off on brokers with very many partitions (per-topic sums stay).");
ABSL_FLAG(std::string, log_format, "text",
          "Log lines on stderr as \"text\" (time LEVEL component: message key=value ...) or "
          "\"json\" (one object per line).");
ABSL_FLAG(std::string, log_level, "info",
          "Least severe log lines written: debug (also every refused request), info, warning "
          "or error.");
ABSL_FLAG(std::string, config, "",
          "TOML file of flag settings (keys are flag names, e.g. data_dir = \"/data\"); "
          "unknown keys are an error; flags on the command line win.");

namespace eventlog::service::eventlogd {

eventlog::service::ServerOptions OptionsFromFlags() {
  eventlog::service::ServerOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.store.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.store.default_partitions = absl::GetFlag(FLAGS_default_partitions);
  options.store.max_partitions = absl::GetFlag(FLAGS_max_partitions);
  options.store.flush_interval_ms = absl::GetFlag(FLAGS_flush_interval_ms);
  options.store.cleanup_interval_ms = absl::GetFlag(FLAGS_cleanup_interval_ms);
  options.store.min_free_bytes = absl::GetFlag(FLAGS_min_free_bytes);
  options.store.page_cache_window_bytes = absl::GetFlag(FLAGS_page_cache_window_bytes);
  options.store.default_config.segment_bytes = absl::GetFlag(FLAGS_default_segment_bytes);
  options.store.default_config.retention_ms = absl::GetFlag(FLAGS_default_retention_ms);
  options.store.default_config.retention_bytes = absl::GetFlag(FLAGS_default_retention_bytes);
  options.store.default_config.max_message_bytes = absl::GetFlag(FLAGS_default_max_message_bytes);
  options.store.default_config.message_timestamp_after_max_ms =
      absl::GetFlag(FLAGS_message_timestamp_after_max_ms);
  options.store.default_config.message_timestamp_before_max_ms =
      absl::GetFlag(FLAGS_message_timestamp_before_max_ms);
  options.store.default_config.timestamp_type =
      absl::GetFlag(FLAGS_default_timestamp_type) == "log_append_time"
          ? eventlog::storage::TimestampType::kLogAppendTime
          : eventlog::storage::TimestampType::kCreateTime;
  options.broker.max_request_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  options.broker.max_subscriptions = absl::GetFlag(FLAGS_max_subscriptions);
  options.broker.produce_quota_bytes_per_sec = absl::GetFlag(FLAGS_produce_quota_bytes_per_sec);
  options.broker.group_session_timeout_ms = absl::GetFlag(FLAGS_group_session_timeout_ms);
  options.broker.subscribe_cache_bytes = absl::GetFlag(FLAGS_subscribe_cache_bytes);
  options.shutdown_grace_ms = absl::GetFlag(FLAGS_shutdown_grace_ms);
  options.kafka.listen = absl::GetFlag(FLAGS_kafka_listen);
  options.kafka.advertise = absl::GetFlag(FLAGS_kafka_advertise);
  options.broker.kafka_group_initial_rebalance_delay_ms =
      absl::GetFlag(FLAGS_kafka_group_initial_rebalance_delay_ms);
  options.security.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.security.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.security.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.security.auth_tokens_file = absl::GetFlag(FLAGS_auth_tokens);
  options.security.acl_file = absl::GetFlag(FLAGS_acl);
  options.reflection = absl::GetFlag(FLAGS_reflection);
  options.advertise = absl::GetFlag(FLAGS_advertise);
  options.broker.broker_id = absl::GetFlag(FLAGS_broker_id);
  options.broker.default_replication_factor = absl::GetFlag(FLAGS_default_replication_factor);
  options.cluster.etcd_endpoints = absl::GetFlag(FLAGS_cluster_etcd);
  options.cluster.prefix = absl::GetFlag(FLAGS_cluster_prefix);
  options.cluster.broker_id = options.broker.broker_id;
  options.cluster.lease_ttl_seconds = absl::GetFlag(FLAGS_cluster_lease_ttl_seconds);
  options.cluster.offsets_topic_partitions = absl::GetFlag(FLAGS_offsets_topic_partitions);
  options.cluster.offsets_topic_replication_factor =
      absl::GetFlag(FLAGS_offsets_topic_replication_factor);
  options.cluster.replica_lag_time_max_ms = absl::GetFlag(FLAGS_replica_lag_time_max_ms);
  options.cluster.min_insync_replicas = absl::GetFlag(FLAGS_min_insync_replicas);
  options.broker.default_min_insync_replicas = options.cluster.min_insync_replicas;
  options.http_listen_address = absl::GetFlag(FLAGS_http_listen);
  options.metrics.per_partition = absl::GetFlag(FLAGS_metrics_per_partition);
  return options;
}

// Sanity checks on flags that the store does not check itself.
std::string CheckFlags(const eventlog::service::ServerOptions& options) {
  if (options.store.default_partitions < 1) return "--default_partitions must be at least 1";
  if (options.store.max_partitions < options.store.default_partitions) {
    return "--max_partitions must be at least --default_partitions";
  }
  if (options.broker.max_request_bytes < 1024) return "--max_request_bytes must be at least 1024";
  if (options.store.default_config.max_message_bytes > options.broker.max_request_bytes) {
    return "--default_max_message_bytes cannot exceed --max_request_bytes";
  }
  if (options.broker.max_subscriptions < 0) return "--max_subscriptions must not be negative";
  if (options.broker.produce_quota_bytes_per_sec < 0) {
    return "--produce_quota_bytes_per_sec must not be negative";
  }
  if (options.store.flush_interval_ms < 1) return "--flush_interval_ms must be positive";
  if (options.store.cleanup_interval_ms < 1) return "--cleanup_interval_ms must be positive";
  if (options.shutdown_grace_ms < 0) return "--shutdown_grace_ms must not be negative";
  if (options.broker.group_session_timeout_ms < 0) {
    return "--group_session_timeout_ms must not be negative";
  }
  if (options.broker.kafka_group_initial_rebalance_delay_ms < 0) {
    return "--kafka_group_initial_rebalance_delay_ms must not be negative";
  }
  if (options.broker.subscribe_cache_bytes < 0) {
    return "--subscribe_cache_bytes must not be negative";
  }
  if (options.broker.broker_id < 0) return "--broker_id must not be negative";
  if (options.broker.default_replication_factor < 1) {
    return "--default_replication_factor must be at least 1";
  }
  if (options.broker.default_replication_factor > 1 && options.cluster.etcd_endpoints.empty()) {
    return "--default_replication_factor above 1 needs a cluster (--cluster_etcd)";
  }
  if (options.cluster.min_insync_replicas < 1) return "--min_insync_replicas must be at least 1";
  if (options.cluster.offsets_topic_replication_factor < 1) {
    return "--offsets_topic_replication_factor must be at least 1";
  }
  if (options.cluster.lease_ttl_seconds < 1) {
    return "--cluster_lease_ttl_seconds must be at least 1";
  }
  if (options.cluster.offsets_topic_partitions < 1 ||
      options.cluster.offsets_topic_partitions > options.store.max_partitions) {
    return "--offsets_topic_partitions must be between 1 and --max_partitions";
  }
  if (options.cluster.prefix.empty() || options.cluster.prefix.front() != '/' ||
      options.cluster.prefix.back() == '/') {
    return "--cluster_prefix must start with '/' and not end with one (e.g. /eventlog)";
  }
  const std::string timestamp_type = absl::GetFlag(FLAGS_default_timestamp_type);
  if (timestamp_type != "create_time" && timestamp_type != "log_append_time") {
    return "--default_timestamp_type must be create_time or log_append_time";
  }
  absl::Status config = options.store.default_config.Validate();
  if (!config.ok()) return absl::StrCat("default topic config: ", config.message());
  return "";
}

// Whether `path` is this file: eventlogd's own flags (not Abseil's).
bool IsMainFile(absl::string_view path) {
  return absl::EndsWith(path, "service/eventlogd_flags.cc");
}

bool IsOwnFlag(absl::string_view name) {
  const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  return flag != nullptr && IsMainFile(flag->Filename());
}

std::string UnknownFlagIn(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view name = argv[i];
    if (name == "--") break;  // the rest are not flags
    if (!absl::ConsumePrefix(&name, "--") && !absl::ConsumePrefix(&name, "-")) continue;
    const size_t equals = name.find('=');
    const bool has_value = equals != absl::string_view::npos;
    name = name.substr(0, equals);
    if (name == "undefok") return "";  // the caller lets Abseil judge
    // Abseil's usage flags are not in its registry.
    if (name == "help" || name == "helpfull" || name == "helpshort" || name == "helppackage" ||
        name == "version" || name == "only_check_args") {
      continue;
    }
    if (name == "helpon" || name == "helpmatch") {
      if (!has_value) ++i;
      continue;
    }
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::ConsumePrefix(&name, "no")) {
      flag = absl::FindCommandLineFlag(name);  // --noreflection
      if (flag != nullptr && !flag->IsOfType<bool>()) flag = nullptr;
    }
    if (flag == nullptr) return argv[i];
    if (!has_value && !flag->IsOfType<bool>()) ++i;  // "--listen HOST:PORT": skip the value
  }
  return "";
}

// The effective value of every flag of this file, for the startup line.
namespace {

// Numbers and booleans as such (unquoted in JSON), the rest as strings.
eventlog::logging::LogField ConfigField(absl::string_view name, const absl::CommandLineFlag& flag) {
  const std::string value = flag.CurrentValue();
  if (flag.IsOfType<bool>()) return {name, value == "true"};
  if (flag.IsOfType<int32_t>() || flag.IsOfType<int64_t>()) {
    int64_t number = 0;
    if (absl::SimpleAtoi(value, &number)) return {name, number};
  }
  if (flag.IsOfType<double>()) {
    double number = 0;
    if (absl::SimpleAtod(value, &number)) return {name, number};
  }
  return {name, value};
}

}  // namespace

std::vector<eventlog::logging::LogField> EffectiveConfig() {
  std::vector<std::pair<absl::string_view, const absl::CommandLineFlag*>> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (IsMainFile(flag->Filename())) flags.emplace_back(name, flag);
  }
  std::sort(flags.begin(), flags.end());
  std::vector<eventlog::logging::LogField> fields;
  for (const auto& [name, flag] : flags) fields.push_back(ConfigField(name, *flag));
  return fields;
}

// --help lists the flags of this file (Abseil's default looks for a file
// named after the program).
void ConfigureHelp() {
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view path) { return IsMainFile(path); };
  config.contains_helpshort_flags = config.contains_help_flags;
  config.normalize_filename = [](absl::string_view path) {
    const size_t at = path.rfind("service/");
    return std::string(at == absl::string_view::npos ? path : path.substr(at));
  };
  config.version_string = [] {
    return absl::StrCat("eventlogd ", eventlog::util::Version(), " (git ",
                        eventlog::util::GitRevision(), ")\n");
  };
  absl::SetFlagsUsageConfig(config);
}

}  // namespace eventlog::service::eventlogd
