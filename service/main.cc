// eventlogd: the eventlog broker. Serves eventlog.v1.EventLog (plus gRPC
// health and reflection) on --listen, with its data in --data_dir.
//
// SIGTERM / SIGINT: stop accepting, end open streams with UNAVAILABLE, flush
// and fsync everything, close the index, exit 0. The signals are blocked in
// every thread and taken by sigwait() in main, so no work happens in a
// signal handler.
//
// SIGHUP: re-read --auth_tokens and --acl; a file with an error is reported
// and the previous tables stay in force. Connections are not touched.
//
// A failed fsync (of a segment, a directory or the index) fails the store
// for good (storage/storage_health.h): eventlogd then stops like on SIGTERM
// but without syncing anything more, and exits with kExitStorageFailed
// within --shutdown_grace_ms plus a few seconds, so that its supervisor
// restarts it and recovery reads what is really on disk.
//
// Configuration: flags, or a TOML file (--config, see config_file.h) whose
// keys are the flags' names; flags win over the file. Logs are structured
// lines on stderr (--log_format, --log_level); the first one states the
// version and the effective configuration.
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
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "service/config_file.h"
#include "service/eventlogd_flags.h"
#include "service/memory_trimmer.h"
#include "service/server/event_log_server.h"
#include "storage/util/build_info.h"
#include "storage/util/logging/logger.h"
#include "storage/util/open_files.h"

namespace {

using eventlog::service::eventlogd::CheckFlags;
using eventlog::service::eventlogd::ConfigureHelp;
using eventlog::service::eventlogd::EffectiveConfig;
using eventlog::service::eventlogd::IsOwnFlag;
using eventlog::service::eventlogd::OptionsFromFlags;
using eventlog::service::eventlogd::UnknownFlagIn;

// Exit status after a storage failure (2 is a usage error, 1 any other).
constexpr int kExitStorageFailed = 3;
// How long the stop after a storage failure may take before the process
// exits anyway.
constexpr std::chrono::seconds kStorageFailureExitBound{5};

// Set (once) by the store's failure hook, which then wakes main with
// SIGUSR2: signal handlers never run here, sigwait() takes it.
std::atomic<bool> storage_failed{false};

}  // namespace

int main(int argc, char** argv) {
  const absl::Time process_start = absl::Now();
  ConfigureHelp();
  absl::SetProgramUsageMessage(
      "the eventlog broker: a Kafka-style event log served over gRPC "
      "(eventlog.v1.EventLog, grpc.health.v1.Health, server reflection) and, with "
      "--kafka_listen, over the Kafka wire protocol.\n"
      "Usage: eventlogd [--listen=HOST:PORT] [--data_dir=DIR] [flags]\n"
      "Cluster: eventlogd --cluster_etcd=HOST:PORT,... --broker_id=N --advertise=HOST:PORT\n"
      "SIGTERM or SIGINT shut it down cleanly (exit 0); SIGHUP re-reads --auth_tokens and "
      "--acl.");
  // The config file first, so that the command line overrides it.
  if (const std::string config = eventlog::service::FindConfigArgument(argc, argv);
      !config.empty()) {
    if (absl::Status applied = eventlog::service::ApplyConfigFile(config, IsOwnFlag);
        !applied.ok()) {
      std::cerr << "eventlogd: " << applied.message() << std::endl;
      return 2;
    }
  }
  if (const std::string unknown = UnknownFlagIn(argc, argv); !unknown.empty()) {
    std::cerr << "eventlogd: unknown flag " << unknown << " (eventlogd --help lists them)"
              << std::endl;
    return 2;
  }
  absl::ParseCommandLine(argc, argv);
  {
    absl::StatusOr<eventlog::logging::LogLevel> level =
        eventlog::logging::Logger::ParseLevel(absl::GetFlag(FLAGS_log_level));
    absl::StatusOr<eventlog::logging::LogFormat> format =
        eventlog::logging::Logger::ParseFormat(absl::GetFlag(FLAGS_log_format));
    if (!level.ok() || !format.ok()) {
      std::cerr << "eventlogd: --log_level/--log_format: "
                << (level.ok() ? format.status() : level.status()).message() << std::endl;
      return 2;
    }
    eventlog::logging::Logger::Default().Configure(*level, *format);
  }
  // Debian builds Abseil without NDEBUG, which leaves Mutex deadlock
  // detection on: every lock taken while another is held then updates a
  // global lock graph, a large share of the server's CPU under load. The
  // tests keep it on; the server does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  eventlog::service::ServerOptions options = OptionsFromFlags();
  options.store.on_storage_failure = [](const absl::Status& status) {
    eventlog::logging::LogError("eventlogd", "storage failed, stopping",
                                {{"error", status.message()}});
    storage_failed.store(true);
    kill(getpid(), SIGUSR2);
  };
  options.process_start = process_start;
  if (std::string error = CheckFlags(options); !error.empty()) {
    eventlog::logging::LogError("eventlogd", error);
    return 2;
  }
  {
    std::vector<eventlog::logging::LogField> fields = {{"version", eventlog::util::Version()},
                                                       {"revision", eventlog::util::GitRevision()}};
    for (eventlog::logging::LogField& field : EffectiveConfig()) fields.push_back(std::move(field));
    eventlog::logging::LogInfo("eventlogd", "starting", fields);
  }

  // Produce requests of about a megabyte are malloc'd and freed at request
  // rate; with glibc's default (dynamic) thresholds they were often mmap'd
  // or trimmed and then page-faulted in again, zeroed, every time: ~10% of
  // the server's CPU with 1 KiB records (perf), and 1 KiB acks=all produce
  // ran at 813-837 MB/s against 1,093-1,096 MB/s with these fixed
  // thresholds. The MemoryTrimmer still hands free memory back every few
  // seconds, so RSS keeps following what is in use.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);

  // Every segment file stays open, so the broker needs as many descriptors
  // as its data directory has segments: take all the hard limit allows (a
  // common default is 1,024 soft under a far higher hard limit). The store
  // refuses, with the numbers, a directory that still does not fit.
  if (absl::StatusOr<eventlog::util::OpenFileLimit> before = eventlog::util::GetOpenFileLimit();
      before.ok() && before->soft < before->hard) {
    absl::StatusOr<eventlog::util::OpenFileLimit> raised = eventlog::util::RaiseOpenFileLimit();
    if (raised.ok()) {
      eventlog::logging::LogInfo(
          "eventlogd", "open file limit raised to the hard limit",
          {{"from", absl::StrCat(before->soft)}, {"to", absl::StrCat(raised->soft)}});
    } else {
      eventlog::logging::LogWarning(
          "eventlogd", "cannot raise the open file limit",
          {{"limit", absl::StrCat(before->soft)}, {"error", raised.status().message()}});
    }
  }

  // Block the shutdown signals before any thread exists, so that every
  // thread inherits the mask and only sigwait() below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<std::unique_ptr<eventlog::service::EventLogServer>> server =
      eventlog::service::EventLogServer::Start(options);
  if (!server.ok()) {
    eventlog::logging::LogError("eventlogd", "cannot start",
                                {{"error", server.status().message()}});
    return 1;
  }
  eventlog::logging::LogInfo("eventlogd", "serving",
                             {{"grpc", (*server)->address()}, {"http", (*server)->http_address()}});
  // Scripts and tests read these lines; endl flushes. The Kafka line comes
  // first: they wait for "listening on", then read it.
  if (!(*server)->kafka_address().empty()) {
    std::cout << "kafka listening on " << (*server)->kafka_address() << std::endl;
  }
  std::cout << "listening on " << (*server)->address() << std::endl;
  if (!(*server)->http_address().empty()) {
    std::cout << "serving HTTP on " << (*server)->http_address() << std::endl;
  }
  const eventlog::service::MemoryTrimmer trimmer(absl::GetFlag(FLAGS_malloc_trim_interval_ms));

  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) {
    absl::Status reloaded = (*server)->ReloadSecurity();
    if (reloaded.ok()) {
      eventlog::logging::LogInfo("eventlogd", "SIGHUP, reloaded the token and ACL files");
    } else {
      eventlog::logging::LogError("eventlogd", "SIGHUP, reload failed, keeping the previous tables",
                                  {{"error", reloaded.message()}});
    }
  }
  if (storage_failed.load()) {
    // Bounded: whatever the stop waits for, the process is gone soon after
    // (nothing is synced any more, so there is nothing to lose).
    std::thread([] {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(absl::GetFlag(FLAGS_shutdown_grace_ms)) +
          kStorageFailureExitBound);
      eventlog::logging::LogError("eventlogd",
                                  "stop after the storage failure took too long, exiting");
      _exit(kExitStorageFailed);
    }).detach();
    (void)(*server)->Shutdown();
    eventlog::logging::LogError("eventlogd",
                                "exiting after the storage failure; restart to recover");
    return kExitStorageFailed;
  }
  eventlog::logging::LogInfo(
      "eventlogd", signal_number == SIGTERM ? "SIGTERM, shutting down" : "SIGINT, shutting down");
  absl::Status closed = (*server)->Shutdown();
  if (!closed.ok()) {
    eventlog::logging::LogError("eventlogd", "closing the store failed",
                                {{"error", closed.message()}});
    return 1;
  }
  eventlog::logging::LogInfo("eventlogd", "stopped");
  return 0;
}
