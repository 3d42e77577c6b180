// Durable appends through SqliteStore (WAL, synchronous=FULL, group commit). Target: at least
// 50,000 confirmed ops/s on one node with many producers over 1000 documents and a deep queue.
// Counters: ops_per_s (confirmed appends), fsyncs_per_s (committed batches), ops_per_batch.
// BM_Fold times the writer's fold of recent_ops into ops (docs/store.md, "Two-level log").
// Run with --benchmark_repetitions=5 and read the medians; TMPDIR picks the disk.

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <future>
#include <memory>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "store/batch_writer.hpp"
#include "store/sqlite_schema.hpp"
#include "store/sqlite_store.hpp"

namespace tandem::store {
namespace {

constexpr int kDocs = 1000;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tandem-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] std::string db() const { return (path_ / "tandem.db").string(); }

 private:
  std::filesystem::path path_;
};

std::unique_ptr<SqliteStore> open_or_die(const TempDir& dir, benchmark::State& state,
                                         std::size_t max_batch_ops = 8192) {
  SqliteStoreOptions options;
  options.path = dir.db();
  options.max_batch_ops = max_batch_ops;
  auto store = SqliteStore::open(options);
  if (!store.ok()) {
    state.SkipWithError(store.error().message.c_str());
    return nullptr;
  }
  return std::move(*store);
}

std::string doc_name(int doc) { return "document-" + std::to_string(doc); }

// A typical typing op, about 30 bytes of canonical JSON.
StoredOp typing_op(int doc, std::uint64_t version) {
  StoredOp op;
  op.version = version;
  op.client = "client-" + std::to_string(doc % 97);
  op.seq = version + 1;
  op.op_json = "[" + std::to_string(1000 + version % 4000) + ",\"hello \",{\"d\":3}]";
  op.time_ms = 1700000000000;
  return op;
}

// Producers (range 0) each own kDocs / producers documents and append to them round-robin,
// keeping up to `window` (range 1) appends in flight in total.
void BM_GroupCommitAppend(benchmark::State& state) {
  const int producers = static_cast<int>(state.range(0));
  const auto window = static_cast<std::ptrdiff_t>(state.range(1));
  const auto max_batch_ops = static_cast<std::size_t>(state.range(2));
  constexpr std::uint64_t kOpsPerDoc = 200;
  const std::int64_t total_ops = static_cast<std::int64_t>(kDocs) * kOpsPerDoc;
  std::uint64_t batches = 0;
  std::int64_t confirmed_ops = 0;

  for (auto _ : state) {
    state.PauseTiming();
    auto dir = std::make_unique<TempDir>();
    auto store = open_or_die(*dir, state, max_batch_ops);
    if (!store) return;
    std::counting_semaphore<> in_flight(window);
    std::atomic<std::int64_t> remaining{total_ops};
    std::atomic<std::int64_t> failed{0};
    std::promise<void> all_done;
    state.ResumeTiming();

    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(producers));
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&, p] {
        for (std::uint64_t v = 0; v < kOpsPerDoc; ++v) {
          for (int d = p; d < kDocs; d += producers) {
            in_flight.acquire();
            store->append(doc_name(d), typing_op(d, v), [&](const Result<void>& r) {
              if (!r.ok()) ++failed;
              in_flight.release();
              if (--remaining == 0) all_done.set_value();
            });
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    all_done.get_future().wait();

    state.PauseTiming();
    if (failed != 0) state.SkipWithError("appends failed");
    batches += store->stats().batches_committed;
    confirmed_ops += total_ops - failed;
    store.reset();
    dir.reset();
    state.ResumeTiming();
  }
  using benchmark::Counter;
  state.counters["ops_per_s"] = Counter(static_cast<double>(confirmed_ops), Counter::kIsRate);
  state.counters["fsyncs_per_s"] = Counter(static_cast<double>(batches), Counter::kIsRate);
  state.counters["ops_per_batch"] =
      batches == 0 ? 0.0 : static_cast<double>(confirmed_ops) / static_cast<double>(batches);
}
BENCHMARK(BM_GroupCommitAppend)
    ->ArgNames({"producers", "window", "max_batch"})
    ->Args({4, 16384, 8192})
    ->Args({4, 1000, 8192})
    ->Args({1, 16384, 8192})
    ->Args({4, 65536, 32768})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// One append at a time: the latency of one confirmed op (one transaction, one fsync).
void BM_AppendRoundTrip(benchmark::State& state) {
  TempDir dir;
  auto store = open_or_die(dir, state);
  if (!store) return;
  std::uint64_t version = 0;
  for (auto _ : state) {
    std::promise<Result<void>> done;
    store->append("latency", typing_op(0, version++),
                  [&done](Result<void> r) { done.set_value(std::move(r)); });
    if (!done.get_future().get().ok()) state.SkipWithError("append failed");
  }
  state.counters["ops_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AppendRoundTrip)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Bringing a document actor alive: a snapshot and the 1000 ops after it.
void BM_LoadDocument(benchmark::State& state) {
  TempDir dir;
  auto store = open_or_die(dir, state);
  if (!store) return;
  std::promise<void> written;
  for (std::uint64_t v = 0; v < 1000; ++v) {
    store->append("loaded", typing_op(0, v), [&written, v](const Result<void>&) {
      if (v == 999) written.set_value();
    });
  }
  written.get_future().wait();
  for (auto _ : state) {
    std::promise<std::size_t> done;
    store->load("loaded",
                [&done](Result<LoadedDocument> r) { done.set_value(r.ok() ? r->ops.size() : 0); });
    if (done.get_future().get() != 1000) state.SkipWithError("load failed");
  }
}
BENCHMARK(BM_LoadDocument)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The pause one fold puts in the writer: 16,384 recent ops (the default fold size), 16 per
// document over 1000 documents, moved into an op log that already holds `folded` such folds.
void BM_Fold(benchmark::State& state) {
  const auto folded = static_cast<int>(state.range(0));
  constexpr std::uint64_t kOpsPerDocPerFold = 16;
  for (auto _ : state) {
    state.PauseTiming();
    TempDir dir;
    auto connection = Connection::open(ConnectionSettings{dir.db()});
    if (!connection || !migrate(*connection)) return state.SkipWithError("open failed");
    BatchWriter writer(std::move(*connection));
    std::uint64_t version = 0;
    for (int fold = 0; fold <= folded; ++fold) {
      std::deque<WriteRequest> batch;
      for (std::uint64_t i = 0; i < kOpsPerDocPerFold; ++i, ++version) {
        for (int d = 0; d < kDocs; ++d) {
          batch.push_back(
              WriteRequest{doc_name(d), typing_op(d, version), [](const Result<void>&) {}, {}});
        }
      }
      if (!writer.commit(batch)) return state.SkipWithError("append failed");
      if (fold < folded && !writer.fold()) return state.SkipWithError("fold failed");
    }
    state.ResumeTiming();
    if (!writer.fold()) state.SkipWithError("fold failed");
  }
}
BENCHMARK(BM_Fold)->ArgName("folded")->Arg(0)->Arg(20)->Iterations(3)->UseRealTime()->Unit(
    benchmark::kMillisecond);

}  // namespace
}  // namespace tandem::store
