// TcpProxy: a TCP relay on 127.0.0.1 between a test's process (a broker)
// and a target (an etcd member), which the test can cut to make a network
// partition: Cut() closes every relayed connection and refuses new ones
// (they are accepted and closed at once); Restore() relays again.
//
// Thread-safe. One thread of its own relays everything (poll).
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace eventlog::testing {

class TcpProxy {
 public:
  // Listens on a free port; relays to `target_port` on 127.0.0.1.
  explicit TcpProxy(int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  // "127.0.0.1:PORT" to dial instead of the target.
  std::string address() const;

  void Cut() { cut_.store(true); }
  void Restore() { cut_.store(false); }

 private:
  void Run();

  const int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> cut_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace eventlog::testing
