// Worker: one client of the fault loop on a thread of its own (a producer,
// a subscriber, a group member, the commit watcher), with the brokers'
// stubs, a random source seeded by the run's seed, and a stop that cancels
// the call in progress so that a call to a cut-off broker does not hold
// the run up.
//
// Thread-safe: Start and Stop from the driver; Run on the worker's thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/service/cluster/faults/history.h"

namespace eventlog::testing::faults {

class Worker {
 public:
  // `history` must outlive the worker.
  Worker(std::string name, const std::vector<std::string>& brokers, uint64_t seed,
         History* history)
      : name_(std::move(name)), random_(seed), history_(history) {
    for (const std::string& address : brokers) stubs_.push_back(StubTo(address));
  }
  virtual ~Worker() { Stop(); }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Stop() {
    stop_.store(true);
    {
      absl::MutexLock lock(&mu_);
      if (call_ != nullptr) call_->TryCancel();
    }
    if (thread_.joinable()) thread_.join();
  }
  const std::string& name() const { return name_; }

 protected:
  virtual void Run() = 0;
  bool stopping() const { return stop_.load(); }
  // A random broker's stub.
  v1::EventLog::Stub* AnyBroker() {
    return stubs_[std::uniform_int_distribution<size_t>(0, stubs_.size() - 1)(random_)].get();
  }
  // Makes `context` the call Stop() cancels (nullptr: none); false when
  // stopping already.
  bool Track(grpc::ClientContext* context) {
    absl::MutexLock lock(&mu_);
    call_ = context;
    return !stop_.load();
  }
  std::mt19937_64& random() { return random_; }
  History& history() { return *history_; }

 private:
  const std::string name_;
  std::vector<std::unique_ptr<v1::EventLog::Stub>> stubs_;
  std::mt19937_64 random_;
  History* const history_;
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  grpc::ClientContext* call_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace eventlog::testing::faults
