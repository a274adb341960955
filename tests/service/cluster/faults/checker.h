// Checker: the fault loop's verdict on a History (docs/CLUSTER.md, "Fault
// tests"). What it checks, each a list of violations in words:
// - every acknowledged record is read after the run (reader "final") at its
//   acknowledged partition and offset;
// - each (partition, offset) has one content across every read and
//   acknowledgement ever made;
// - per key order: a producer's acknowledged records of one key are in one
//   partition, at offsets that grow with the order it sent them;
// - each subscriber ("sub-*") got its partition's offsets one after the
//   other from 0 to the final high watermark: nothing skipped, nothing twice;
// - committed offsets read back never go backwards, and the group's final
//   committed offset is at least every commit it was acknowledged;
// - the group read every acknowledged record below its final committed
//   offset (committing never skips records).
//
// Thread-compatible.
#pragma once

#include <string>
#include <vector>

namespace eventlog::testing::faults {

class Checker {
 public:
  // `lines` as History::Load returns them.
  explicit Checker(const std::vector<std::vector<std::string>>& lines) : lines_(lines) {}

  // The violations found (empty: the history is correct), and a summary.
  std::vector<std::string> Check();
  const std::string& summary() const { return summary_; }

 private:
  const std::vector<std::vector<std::string>>& lines_;
  std::string summary_;
};

}  // namespace eventlog::testing::faults
