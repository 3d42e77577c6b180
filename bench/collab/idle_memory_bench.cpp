// Memory of an idle loaded document: many small documents (about 100 bytes of text, a few ops
// of history, no subscribers) loaded into the real Collaboration and SqliteStore, heap measured
// before and after (jemalloc's stats.allocated, as the server links jemalloc; mallinfo2() when
// built without it). Target: at most 4 KB per document beyond its text.
//
// Counters (per repetition; read the medians):
//   overhead_per_doc  heap bytes per document beyond its text (the target figure)
//   heap_per_doc      heap growth per document, SQLite's own allocations left out
//   text_per_doc      UTF-8 bytes of text per document
//   sqlite_per_doc    growth of SQLite's allocations (sqlite3_memory_used) per document;
//                     near 0 because the page cache is warmed before the baseline
//   rss_per_doc       resident set growth per document (VmRSS, after malloc_trim), a
//                     cross-check

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sqlite3.h>
#if TANDEM_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include <boost/asio/post.hpp>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bus/in_process_bus.hpp"
#include "collab/collaboration.hpp"
#include "collab_bench_support.hpp"
#include "ot/op.hpp"
#include "ot/op_json.hpp"

namespace tandem::collab::bench {
namespace {

constexpr std::size_t kLoops = 2;
constexpr std::size_t kTextBytes = 100;

struct MemorySample {
  std::size_t heap = 0;     // bytes the allocator has handed out and not got back
  std::int64_t sqlite = 0;  // bytes SQLite has allocated (part of `heap`)
  std::size_t rss = 0;      // resident set
};

std::size_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string word;
  while (status >> word) {
    if (word == "VmRSS:") {
      std::size_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

std::size_t heap_in_use() {
#if TANDEM_JEMALLOC
  // jemalloc's statistics are a snapshot taken when the epoch advances.
  std::uint64_t epoch = 1;
  std::size_t epoch_size = sizeof(epoch);
  mallctl("epoch", &epoch, &epoch_size, &epoch, epoch_size);
  std::size_t allocated = 0;
  std::size_t size = sizeof(allocated);
  if (mallctl("stats.allocated", &allocated, &size, nullptr, 0) != 0) return 0;
  return allocated;
#else
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
#endif
}

MemorySample memory_sample() {
  return MemorySample{heap_in_use(), sqlite3_memory_used(), resident_bytes()};
}

std::string doc_name(std::int64_t doc) { return "doc-" + std::to_string(doc); }

// Writes `documents` documents of kTextBytes each: `history_ops` inserts of equal size (all
// kept in the loaded document's history window), or with 0, one insert and a snapshot after it
// (the text comes from the snapshot and the history is empty). Returns false on failure.
bool write_documents(store::SqliteStore& store, std::int64_t documents, std::int64_t history_ops) {
  const std::size_t ops = history_ops == 0 ? 1 : static_cast<std::size_t>(history_ops);
  const std::size_t chunk = kTextBytes / ops;
  std::atomic<std::int64_t> failed{0};
  auto count = [&failed](const store::Result<void>& result) {
    if (!result.ok()) failed.fetch_add(1);
  };
  for (std::int64_t doc = 0; doc < documents; ++doc) {
    for (std::size_t i = 0; i < ops; ++i) {
      ot::Op op;
      ot::append_skip(op, i * chunk);
      const std::size_t size = i + 1 == ops ? kTextBytes - i * chunk : chunk;
      ot::append_insert(op, std::string(size, static_cast<char>('a' + (i % 26))), size);
      store.append(doc_name(doc), store::StoredOp{i, "writer", i + 1, ot::encode_op(op), 0}, count);
    }
    if (history_ops == 0) {
      store.save_snapshot(doc_name(doc), store::Snapshot{1, std::string(kTextBytes, 'a')},
                          std::nullopt, count);
    }
  }
  // Writes complete in the order they were issued, so the last one marks the end of all.
  std::promise<void> written;
  store.save_snapshot("doc-marker", store::Snapshot{0, ""}, std::nullopt,
                      [&](const store::Result<void>& result) {
                        count(result);
                        written.set_value();
                      });
  written.get_future().wait();
  return failed.load() == 0;
}

// Loads every document once through the store alone, so SQLite's page cache holds the whole
// file before the baseline and the measured loads do not grow it.
bool warm_page_cache(store::SqliteStore& store, std::int64_t documents) {
  std::atomic<std::int64_t> failed{0};
  for (std::int64_t doc = 0; doc < documents; ++doc) {
    store.load(doc_name(doc), [&failed](const store::Result<store::LoadedDocument>& result) {
      if (!result.ok()) failed.fetch_add(1);
    });
  }
  std::promise<void> loaded;
  store.load("doc-marker",
             [&](const store::Result<store::LoadedDocument>&) { loaded.set_value(); });
  loaded.get_future().wait();  // reads are answered in order
  return failed.load() == 0;
}

// Waits until every loop has run what was queued on it before.
void drain(const std::vector<boost::asio::io_context*>& loops) {
  for (auto* loop : loops) {
    std::promise<void> reached;
    boost::asio::post(*loop, [&reached] { reached.set_value(); });
    reached.get_future().wait();
  }
}

// range(0): documents; range(1): ops each keeps in its history (0: text from a snapshot);
// range(2): 1 to measure once the documents are quiet and have dropped their history window.
void BM_IdleDocumentMemory(benchmark::State& state) {
  const std::int64_t documents = state.range(0);
  const std::int64_t history_ops = state.range(1);
  const bool quiet = state.range(2) != 0;

  for (auto _ : state) {
    state.PauseTiming();
    TempDir dir;
    auto store = open_store(dir, state);
    if (!store) return;
    if (!write_documents(*store, documents, history_ops) || !warm_page_cache(*store, documents)) {
      state.SkipWithError("could not write the documents");
      return;
    }
    EventLoops loops(kLoops);
    CollabOptions options;
    options.idle_unload = std::chrono::hours(1);  // nothing is unloaded while measuring
    // Quiet: released at the first sweep after loading (sweeps run every 50 ms then).
    options.history_release_after = quiet ? std::chrono::milliseconds(0) : std::chrono::hours(1);
    auto bus = bus::InProcessHub::create()->attach();
    Collaboration collaboration(loops.contexts(), *store, *bus, options);
    collaboration.start();
    drain(loops.contexts());
    state.ResumeTiming();

    malloc_trim(0);  // hands freed pages back, so that RSS grows with what the loads allocate
    const MemorySample before = memory_sample();
    std::atomic<std::int64_t> remaining{documents};
    std::atomic<std::int64_t> failed{0};
    std::atomic<std::uint64_t> text_bytes{0};
    std::promise<void> all_loaded;
    for (std::int64_t doc = 0; doc < documents; ++doc) {
      // read() loads the document and answers once it is ready; nobody subscribes.
      collaboration.read(doc_name(doc), [&](const DocumentRead& read) {
        if (!read.ok) failed.fetch_add(1);
        text_bytes.fetch_add(read.text.size());
        if (remaining.fetch_sub(1) == 1) all_loaded.set_value();
      });
    }
    all_loaded.get_future().wait();
    if (quiet) std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few sweeps
    drain(loops.contexts());
    malloc_trim(0);  // the released windows' pages, for the RSS cross-check
    const MemorySample after = memory_sample();

    state.PauseTiming();
    store->close();
    collaboration.stop();
    loops.stop();
    if (failed.load() != 0) {
      state.SkipWithError("documents failed to load");
      return;
    }
    const auto per_doc = [documents](double bytes) {
      return bytes / static_cast<double>(documents);
    };
    const double heap = static_cast<double>(after.heap) - static_cast<double>(before.heap);
    const auto sqlite = static_cast<double>(after.sqlite - before.sqlite);
    const double rss = static_cast<double>(after.rss) - static_cast<double>(before.rss);
    const auto text = static_cast<double>(text_bytes.load());
    state.counters["overhead_per_doc"] = per_doc(heap - sqlite - text);
    state.counters["heap_per_doc"] = per_doc(heap - sqlite);
    state.counters["text_per_doc"] = per_doc(text);
    state.counters["sqlite_per_doc"] = per_doc(sqlite);
    state.counters["rss_per_doc"] = per_doc(rss);
    state.ResumeTiming();
  }
}
BENCHMARK(BM_IdleDocumentMemory)
    ->ArgNames({"docs", "history_ops", "quiet"})
    ->Args({10000, 5, 0})   // the target case: ~100 bytes written in 5 ops, window kept
    ->Args({10000, 0, 0})   // the same text from a snapshot: the fixed cost of a loaded document
    ->Args({2000, 100, 0})  // the same text typed 1 character per op: the cost of history
    ->Args({10000, 5, 1})   // the target case once quiet (history-release-after passed)
    ->Args({2000, 100, 1})  // 100 ops of history, once quiet
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tandem::collab::bench
