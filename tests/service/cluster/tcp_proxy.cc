#include "tests/service/cluster/tcp_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"

namespace eventlog::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

// Copies what `from` has to `to`; false when either side is done.
bool Relay(int from, int to) {
  char buffer[16384];
  const ssize_t n = read(from, buffer, sizeof(buffer));
  if (n <= 0) return false;
  for (ssize_t sent = 0; sent < n;) {
    const ssize_t w = write(to, buffer + sent, static_cast<size_t>(n - sent));
    if (w <= 0) return false;
    sent += w;
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(int target_port) : target_port_(target_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::abort();
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { Run(); });
}

TcpProxy::~TcpProxy() {
  stopping_.store(true);
  thread_.join();
  close(listen_fd_);
}

std::string TcpProxy::address() const { return absl::StrCat("127.0.0.1:", port_); }

void TcpProxy::Run() {
  struct Pair {
    int client;
    int target;
  };
  std::vector<Pair> pairs;
  const auto close_pair = [](const Pair& pair) {
    close(pair.client);
    close(pair.target);
  };
  while (!stopping_.load()) {
    if (cut_.load()) {
      for (const Pair& pair : pairs) close_pair(pair);
      pairs.clear();
    }
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    for (const Pair& pair : pairs) {
      fds.push_back({pair.client, POLLIN, 0});
      fds.push_back({pair.target, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 50) <= 0) continue;
    const size_t polled = pairs.size();  // fds has these; a new one waits a round
    if (fds[0].revents & POLLIN) {
      const int client = accept(listen_fd_, nullptr, nullptr);
      if (client >= 0) {
        const int target = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address = Loopback(target_port_);
        if (cut_.load() || target < 0 ||
            connect(target, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
          close(client);
          if (target >= 0) close(target);
        } else {
          pairs.push_back({client, target});
        }
      }
    }
    std::vector<Pair> alive(pairs.begin() + static_cast<std::ptrdiff_t>(polled), pairs.end());
    for (size_t i = 0; i < polled; ++i) {
      const pollfd& client = fds[1 + 2 * i];
      const pollfd& target = fds[2 + 2 * i];
      bool ok = true;
      if (client.revents & (POLLIN | POLLHUP | POLLERR))
        ok = Relay(pairs[i].client, pairs[i].target);
      if (ok && (target.revents & (POLLIN | POLLHUP | POLLERR))) {
        ok = Relay(pairs[i].target, pairs[i].client);
      }
      if (ok) {
        alive.push_back(pairs[i]);
      } else {
        close_pair(pairs[i]);
      }
    }
    pairs.swap(alive);
  }
  for (const Pair& pair : pairs) close_pair(pair);
}

}  // namespace eventlog::testing
