#include "tests/service/cluster/network_lab.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <set>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "storage/util/status_macros.h"

extern char** environ;

namespace eventlog::testing {
namespace {

// The first of `names` that exists and runs, "" if none.
std::string FindTool(const std::string& name) {
  for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
    const std::string path = absl::StrCat(dir, name);
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// The third bytes of the 198.18.0.0/15 /24s some interface here is in.
std::set<int> SubnetsInUse() {
  std::set<int> used;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return used;
  for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
    const uint32_t address = ntohl(reinterpret_cast<sockaddr_in*>(it->ifa_addr)->sin_addr.s_addr);
    if ((address >> 17) == (0xC612'0000u >> 17)) used.insert((address >> 8) & 0x1FF);
  }
  freeifaddrs(list);
  return used;
}

// Runs `args` and waits; its stderr in the error when it fails.
absl::Status RunCommand(const std::vector<std::string>& args) {
  int err[2];
  if (pipe(err) != 0) return absl::InternalError("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclose(&actions, err[0]);
  posix_spawn_file_actions_addclose(&actions, err[1]);
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(err[1]);
  if (rc != 0) {
    close(err[0]);
    return absl::InternalError(absl::StrCat("cannot run ", args[0], ": ", std::strerror(rc)));
  }
  std::string output;
  char buffer[512];
  for (ssize_t n; (n = read(err[0], buffer, sizeof(buffer))) > 0;) output.append(buffer, n);
  close(err[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("`", absl::StrJoin(args, " "), "` failed: ", output));
}

}  // namespace

absl::StatusOr<std::unique_ptr<NetworkLab>> NetworkLab::Create(int nodes) {
  if (geteuid() != 0) {
    return absl::FailedPreconditionError(
        "network namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN); run as root");
  }
  for (const char* tool : {"ip", "iptables", "nsenter"}) {
    if (FindTool(tool).empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "no ", tool, " here: install iproute2, iptables and util-linux "
          "(scripts/install-deps.sh test)"));
    }
  }
  std::unique_ptr<NetworkLab> lab(new NetworkLab());
  if (absl::Status built = lab->Build(nodes); !built.ok()) return built;
  return lab;
}

absl::StatusOr<pid_t> NetworkLab::SpawnHolder() {
  int ready[2];
  if (pipe(ready) != 0) return absl::InternalError("pipe failed");
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // Only async-signal-safe calls between fork and _exit.
    close(ready[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    char result = unshare(CLONE_NEWNET) == 0 ? 1 : 0;
    const int error = errno;
    if (write(ready[1], &result, 1) != 1 || result == 0) {
      if (write(ready[1], &error, sizeof(error)) < 0) _exit(1);
      _exit(1);
    }
    for (;;) pause();
  }
  close(ready[1]);
  char result = 0;
  int error = 0;
  const bool answered = read(ready[0], &result, 1) == 1;
  if (answered && result == 0 && read(ready[0], &error, sizeof(error)) != sizeof(error)) error = 0;
  close(ready[0]);
  if (answered && result == 1) return pid;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return absl::FailedPreconditionError(
      absl::StrCat("cannot create a network namespace (unshare(CLONE_NEWNET): ",
                   std::strerror(error), "); the network tests need root"));
}

absl::Status NetworkLab::Build(int nodes) {
  absl::StatusOr<pid_t> hub = SpawnHolder();
  if (!hub.ok()) return hub.status();
  hub_.pid = *hub;
  const std::string ip = FindTool("ip");
  RETURN_IF_ERROR(RunInHub({ip, "link", "add", "br0", "type", "bridge"}));
  RETURN_IF_ERROR(RunInHub({ip, "link", "set", "br0", "up"}));

  {
    // The test's end, on a subnet nobody here uses yet; the lock keeps two
    // tests from picking the same one at the same time.
    const int lock = open("/tmp/eventlog-network-lab.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (lock < 0 || flock(lock, LOCK_EX) != 0) {
      return absl::InternalError("cannot lock /tmp/eventlog-network-lab.lock");
    }
    absl::Cleanup unlock = [lock] { close(lock); };
    const std::set<int> used = SubnetsInUse();
    int index = static_cast<int>(getpid() % 512);
    for (int tried = 0; used.count(index) > 0 && tried < 512; ++tried) index = (index + 1) % 512;
    if (used.count(index) > 0) return absl::ResourceExhaustedError("no free subnet in 198.18/15");
    subnet_ = absl::StrCat("198.", 18 + index / 256, ".", index % 256, ".");
    // Unique in this process too: a previous lab's link may linger a moment.
    static std::atomic<int> labs{0};
    host_link_ = absl::StrCat("el", getpid(), "h", labs++);
    RETURN_IF_ERROR(RunCommand({ip, "link", "add", host_link_, "type", "veth", "peer", "name",
                                "host", "netns", absl::StrCat(hub_.pid)}));
    RETURN_IF_ERROR(RunCommand({ip, "addr", "add", absl::StrCat(this->ip(kNodeHost), "/24"),
                                "dev", host_link_}));
    RETURN_IF_ERROR(RunCommand({ip, "link", "set", host_link_, "up"}));
  }
  RETURN_IF_ERROR(RunInHub({ip, "link", "set", "host", "master", "br0", "up"}));

  for (int i = 0; i < nodes; ++i) {
    absl::StatusOr<pid_t> holder = SpawnHolder();
    if (!holder.ok()) return holder.status();
    nodes_.push_back(Holder{*holder});
    const std::string port = absl::StrCat("n", i);
    RETURN_IF_ERROR(RunCommand({ip, "link", "add", port, "netns", absl::StrCat(hub_.pid), "type",
                                "veth", "peer", "name", "eth0", "netns",
                                absl::StrCat(*holder)}));
    RETURN_IF_ERROR(RunInHub({ip, "link", "set", port, "master", "br0", "up"}));
    RETURN_IF_ERROR(Run(i, {ip, "link", "set", "lo", "up"}));
    RETURN_IF_ERROR(Run(i, {ip, "addr", "add", absl::StrCat(this->ip(i), "/24"), "dev", "eth0"}));
    RETURN_IF_ERROR(Run(i, {ip, "link", "set", "eth0", "up"}));
  }
  return absl::OkStatus();
}

NetworkLab::~NetworkLab() {
  // Deleting one end deletes the pair at once (a namespace's end otherwise
  // goes a moment after the namespace).
  if (!host_link_.empty()) (void)RunCommand({FindTool("ip"), "link", "del", host_link_});
  // The namespaces go with their last process; the veths with them.
  if (hub_.pid > 0) kill(hub_.pid, SIGKILL);
  for (Holder& holder : nodes_) kill(holder.pid, SIGKILL);
  if (hub_.pid > 0) waitpid(hub_.pid, nullptr, 0);
  for (Holder& holder : nodes_) waitpid(holder.pid, nullptr, 0);
}

std::string NetworkLab::ip(int node) const {
  return absl::StrCat(subnet_, node == kNodeHost ? 1 : 10 + node);
}

std::string NetworkLab::netns(int node) const {
  return absl::StrCat("/proc/", nodes_[node].pid, "/ns/net");
}

absl::Status NetworkLab::Run(int node, std::vector<std::string> args) {
  if (node == kNodeHost) return RunCommand(args);
  args.insert(args.begin(), {FindTool("nsenter"), absl::StrCat("--net=", netns(node)), "--"});
  return RunCommand(args);
}

absl::Status NetworkLab::RunInHub(std::vector<std::string> args) {
  args.insert(args.begin(),
              {FindTool("nsenter"), absl::StrCat("--net=/proc/", hub_.pid, "/ns/net"), "--"});
  return RunCommand(args);
}

absl::Status NetworkLab::Isolate(int node) {
  return RunInHub({FindTool("ip"), "link", "set", absl::StrCat("n", node), "down"});
}

absl::Status NetworkLab::Reconnect(int node) {
  return RunInHub({FindTool("ip"), "link", "set", absl::StrCat("n", node), "up"});
}

absl::Status NetworkLab::Cut(int a, int b) {
  // The rules go into a node's namespace, never into the test's own.
  const int in = a == kNodeHost ? b : a;
  const std::string other = ip(in == a ? b : a);
  const std::string iptables = FindTool("iptables");
  RETURN_IF_ERROR(Run(in, {iptables, "-w", "-A", "INPUT", "-s", other, "-j", "DROP"}));
  return Run(in, {iptables, "-w", "-A", "OUTPUT", "-d", other, "-j", "DROP"});
}

absl::Status NetworkLab::HealAll() {
  const std::string iptables = FindTool("iptables");
  for (int i = 0; i < size(); ++i) {
    RETURN_IF_ERROR(Reconnect(i));
    RETURN_IF_ERROR(Run(i, {iptables, "-w", "-F"}));
  }
  return absl::OkStatus();
}

}  // namespace eventlog::testing
