// cluster_harness: a BrokerCluster as a program, for tests in other
// languages (tests/clients/test_cluster.py). Usage:
//   cluster_harness [--etcd N] [--brokers N] [--broker_flag FLAG]...
// (--broker_flag adds FLAG to every broker's command line, e.g.
// --broker_flag --kafka_listen=127.0.0.1:0.)
// Prints one line "ready ADDRESS,ADDRESS,..." once the cluster is up, then
// reads commands from stdin, one per line, and answers each with "ok" or
// "error: ...":
//   kill I        SIGKILL broker I (0-based)
//   stop I        SIGTERM broker I
//   start I       start broker I again on its data and port
//   wait          until every running broker agrees on the membership
//   logs          the tail of every broker's log (then "ok")
//   kafka I       broker I's Kafka listener, "HOST:PORT" (then "ok"); it
//                 changes across restarts
//   quit          (or end of input) kill everything and exit
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "tests/service/cluster/broker_cluster.h"

int main(int argc, char** argv) {
  eventlog::testing::BrokerClusterOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--etcd") options.etcd_members = std::atoi(argv[i + 1]);
    if (flag == "--brokers") options.brokers = std::atoi(argv[i + 1]);
    if (flag == "--broker_flag") options.flags.push_back(argv[i + 1]);
  }
  auto cluster = eventlog::testing::BrokerCluster::Start(options);
  if (!cluster.ok()) {
    std::cout << "error: " << cluster.status().message() << std::endl;
    return 1;
  }
  std::cout << "ready " << (*cluster)->addresses() << std::endl;
  for (std::string line; std::getline(std::cin, line);) {
    std::istringstream words(line);
    std::string command;
    int index = -1;
    words >> command >> index;
    absl::Status status;
    if (command == "quit") break;
    if ((command == "kill" || command == "stop" || command == "start" || command == "kafka") &&
        (index < 0 || index >= (*cluster)->size())) {
      status = absl::InvalidArgumentError("no such broker");
    } else if (command == "kill") {
      (*cluster)->KillBroker(index);
    } else if (command == "stop") {
      status = (*cluster)->StopBroker(index).status();
    } else if (command == "start") {
      status = (*cluster)->StartBroker(index);
    } else if (command == "wait") {
      status = (*cluster)->WaitForMembership();
    } else if (command == "kafka") {
      const std::string kafka = (*cluster)->kafka_address(index);
      if (kafka.empty()) {
        status = absl::FailedPreconditionError("not running or no --kafka_listen");
      } else {
        std::cout << kafka << std::endl;
      }
    } else if (command == "logs") {
      std::cout << (*cluster)->LogTails();
    } else {
      status = absl::InvalidArgumentError("unknown command");
    }
    std::cout << (status.ok() ? "ok" : "error: " + std::string(status.message())) << std::endl;
  }
  return 0;
}
