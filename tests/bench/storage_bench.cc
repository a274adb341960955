// Storage engine throughput: appends of 100-byte records in batches of 1,000
// without fsync (kLeader) and with group-committed fsync (kAll, 4
// appenders), and sequential reads. Data lives in a temporary directory on
// the real disk ($TMPDIR or /tmp), removed afterwards.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "storage/store.h"

namespace eventlog::storage {
namespace {

constexpr int kBatchRecords = 1000;
constexpr size_t kValueBytes = 100;

// A fresh store in a new temporary directory; removed on destruction.
class BenchStore {
 public:
  BenchStore() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "eventlog-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir_ = tmpl;
    StoreOptions options;
    options.data_dir = dir_ + "/data";
    options.cleanup_interval_ms = 0;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
    if (!store.ok()) std::abort();
    store_ = *std::move(store);
    LogConfig config;
    config.retention_ms = LogConfig::kUnlimited;
    absl::StatusOr<std::shared_ptr<Topic>> topic = store_->CreateTopic("bench", 1, config);
    if (!topic.ok()) std::abort();
    log_ = (*topic)->partition(0);
  }
  ~BenchStore() {
    log_.reset();
    (void)store_->Close();
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  PartitionLog& log() { return *log_; }

 private:
  std::string dir_;
  std::unique_ptr<Store> store_;
  std::shared_ptr<PartitionLog> log_;
};

RecordBatchBuilder MakeBatch(const std::string& value, int64_t timestamp_ms) {
  RecordBatchBuilder batch;
  batch.Reserve(kBatchRecords * (value.size() + 8));
  for (int i = 0; i < kBatchRecords; ++i) batch.Add({}, value, {}, timestamp_ms);
  return batch;
}

void BM_AppendNoFsync(benchmark::State& state) {
  BenchStore store;
  const std::string value(kValueBytes, 'v');
  int64_t ts = 1;
  for (auto _ : state) {
    absl::StatusOr<AppendResult> r =
        store.log().Append(MakeBatch(value, ts++), Durability::kLeader);
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations() * kBatchRecords);
  state.SetBytesProcessed(state.iterations() * kBatchRecords * kValueBytes);
}
BENCHMARK(BM_AppendNoFsync)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Four appenders on one partition with kAll: each append waits for an
// fdatasync, which the store's sync thread shares among all waiting appends.
std::unique_ptr<BenchStore> shared_store;

void BM_AppendFsyncGroupCommit(benchmark::State& state) {
  if (state.thread_index() == 0) shared_store = std::make_unique<BenchStore>();
  const std::string value(kValueBytes, 'v');
  int64_t ts = 1;
  for (auto _ : state) {
    absl::StatusOr<AppendResult> r =
        shared_store->log().Append(MakeBatch(value, ts++), Durability::kAll);
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations() * kBatchRecords);
  state.SetBytesProcessed(state.iterations() * kBatchRecords * kValueBytes);
  if (state.thread_index() == 0) {
    shared_store.reset();
  }
}
BENCHMARK(BM_AppendFsyncGroupCommit)->Threads(4)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_SequentialRead(benchmark::State& state) {
  BenchStore store;
  const std::string value(kValueBytes, 'v');
  constexpr int kBatches = 2000;  // 2M records, ~210 MB
  for (int i = 0; i < kBatches; ++i) {
    if (!store.log().Append(MakeBatch(value, i), Durability::kLeader).ok()) std::abort();
  }
  const int32_t max_records = static_cast<int32_t>(state.range(0));
  int64_t offset = 0;
  int64_t records = 0;
  for (auto _ : state) {
    absl::StatusOr<ReadResult> r = store.log().Read(offset, max_records, 4 << 20);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      break;
    }
    records += static_cast<int64_t>(r->records.size());
    offset = r->next_offset >= r->high_watermark ? 0 : r->next_offset;
    benchmark::DoNotOptimize(r->records.data());
  }
  state.SetItemsProcessed(records);
  state.SetBytesProcessed(records * static_cast<int64_t>(kValueBytes));
}
BENCHMARK(BM_SequentialRead)->Arg(1000)->Arg(10000)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace eventlog::storage

BENCHMARK_MAIN();
