#include "tests/service/cluster/faults/nemesis.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "storage/util/status_macros.h"

namespace eventlog::testing::faults {
namespace {

constexpr int kEtcdNode = 0;
int NodeOf(int broker) { return broker + 1; }

}  // namespace

absl::Duration Nemesis::Between(double low_s, double high_s) {
  return absl::Seconds(std::uniform_real_distribution<double>(low_s, high_s)(random_));
}

int Nemesis::AnyBroker() {
  return std::uniform_int_distribution<int>(0, cluster_->size() - 1)(random_);
}

absl::Status Nemesis::Run(absl::Duration duration) {
  const absl::Time end = absl::Now() + duration;
  absl::Status status;
  while (status.ok() && absl::Now() < end) {
    absl::SleepFor(Between(1, 2.5));
    if (absl::Now() >= end) break;
    status = Fault();
    ++faults_;
  }
  absl::Status healed = HealEverything();
  return status.ok() ? healed : status;
}

absl::Status Nemesis::Fault() {
  const int kinds = lab_ == nullptr ? 1 : 4;
  const int kind = std::uniform_int_distribution<int>(0, kinds - 1)(random_);
  const int broker = AnyBroker();
  const int32_t id = BrokerCluster::BrokerId(broker);
  switch (kind) {
    case 0: {
      const absl::Duration down = Between(0.5, 3);
      history_->Note(absl::StrCat("kill -9 broker ", id, " for ", absl::FormatDuration(down)));
      cluster_->KillBroker(broker);
      absl::SleepFor(down);
      RETURN_IF_ERROR(cluster_->StartBroker(broker));
      history_->Note(absl::StrCat("broker ", id, " restarted"));
      return absl::OkStatus();
    }
    case 1: {
      const absl::Duration cut = Between(2, 6);
      history_->Note(absl::StrCat("isolate broker ", id, " for ", absl::FormatDuration(cut)));
      RETURN_IF_ERROR(lab_->Isolate(NodeOf(broker)));
      absl::SleepFor(cut);
      break;
    }
    case 2: {
      const absl::Duration cut = Between(2, 6);
      history_->Note(
          absl::StrCat("cut broker ", id, " off from etcd for ", absl::FormatDuration(cut)));
      RETURN_IF_ERROR(lab_->Cut(kEtcdNode, NodeOf(broker)));
      absl::SleepFor(cut);
      break;
    }
    default: {
      const int other = (broker + 1 + AnyBroker() % (cluster_->size() - 1)) % cluster_->size();
      const absl::Duration cut = Between(2, 6);
      history_->Note(absl::StrCat("cut brokers ", id, " and ", BrokerCluster::BrokerId(other),
                                  " apart for ", absl::FormatDuration(cut)));
      RETURN_IF_ERROR(lab_->Cut(NodeOf(broker), NodeOf(other)));
      absl::SleepFor(cut);
      break;
    }
  }
  RETURN_IF_ERROR(lab_->HealAll());
  history_->Note("healed");
  return absl::OkStatus();
}

absl::Status Nemesis::HealEverything() {
  if (lab_ != nullptr) RETURN_IF_ERROR(lab_->HealAll());
  for (int i = 0; i < cluster_->size(); ++i) {
    if (!cluster_->running(i)) RETURN_IF_ERROR(cluster_->StartBroker(i));
  }
  history_->Note("nemesis done: every link healed, every broker running");
  return absl::OkStatus();
}

}  // namespace eventlog::testing::faults
