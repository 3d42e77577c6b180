// Server CPU per confirmed op and durable confirmed ops per second through the real
// Collaboration (2 event loops on 2 threads) and SqliteStore (WAL, synchronous=FULL, group
// commit). Every document has one author and no other subscriber, so nothing is fanned out:
// each op costs transform + apply + append + ack. Each author keeps one op in flight, like a
// real client: it sends the next 1-character insert when the previous one is acked.
// Targets: at most 10 us of CPU per confirmed op; at least 50,000 confirmed ops/s.
//
// Counters (per repetition; read the medians):
//   ops_per_s          confirmed ops per wall-clock second
//   cpu_us_per_op      process CPU (every thread, user + sys) per confirmed op
//   loop_us_per_op     CPU of the two event-loop threads per confirmed op
//   store_us_per_op    the rest: the store's writer thread (SQLite, write, fsync; the reader is
//                      idle while measuring)
//   cores              process CPU / wall time (2 = the whole machine)
//   ops_per_commit     confirmed appends per committed transaction (one fsync each)
//   written_kb_per_op  KiB handed to write() per confirmed op: the WAL frames and checkpoint
//                      copies (the only other writes are 8-byte eventfd wake-ups)

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bus/in_process_bus.hpp"
#include "collab/collaboration.hpp"
#include "collab_bench_support.hpp"
#include "ot/op.hpp"

namespace tandem::collab::bench {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kLoops = 2;
constexpr auto kMeasure = 2s;
constexpr auto kPatience = 60s;  // for warm-up and drain; a healthy run needs well under 1 s

// A client typing into its own document. deliver() runs on the author's loop only, so the
// plain members are touched by one thread at a time; the atomics are read by the driver.
class TypingAuthor final : public Subscriber, public std::enable_shared_from_this<TypingAuthor> {
 public:
  TypingAuthor(Collaboration& collaboration, const std::atomic<bool>& stopping, std::string doc,
               std::string client, std::size_t loop, std::uint64_t lag, std::uint64_t seed)
      : Subscriber(loop, std::move(client)),
        collaboration_(collaboration),
        stopping_(stopping),
        doc_(std::move(doc)),
        lag_(lag),
        random_(seed | 1) {}

  void start() {
    in_flight_.store(true);
    submit_next();
  }

  void deliver(const std::string& /*doc*/, const Frame& frame) override {
    if (!frame.version_after) {  // an error frame: the op was refused
      errors_.fetch_add(1, std::memory_order_relaxed);
      in_flight_.store(false, std::memory_order_release);
      return;
    }
    version_ = *frame.version_after;
    acks_.fetch_add(1, std::memory_order_relaxed);
    if (stopping_.load(std::memory_order_relaxed)) {
      in_flight_.store(false, std::memory_order_release);
      return;
    }
    submit_next();
  }

  [[nodiscard]] std::uint64_t acks() const { return acks_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  [[nodiscard]] bool in_flight() const { return in_flight_.load(std::memory_order_acquire); }

 private:
  void submit_next() {
    // With a lag the op is written against an older version, so the server transforms it over
    // `lag` ops (and over the ops of the document's other authors since this one's last ack).
    // The document holds only 1-character inserts, so its length at version `base` is `base`.
    const std::uint64_t base = version_ >= lag_ ? version_ - lag_ : 0;
    ot::Op op;
    ot::append_skip(op, next_random() % (base + 1));
    ot::append_insert(op, "x", 1);
    collaboration_.submit(doc_, shared_from_this(), client(), base, ++seq_, std::move(op));
  }

  std::uint64_t next_random() {  // xorshift64: cheap next to what is measured
    random_ ^= random_ << 13U;
    random_ ^= random_ >> 7U;
    random_ ^= random_ << 17U;
    return random_;
  }

  Collaboration& collaboration_;
  const std::atomic<bool>& stopping_;
  std::string doc_;
  std::uint64_t lag_;
  std::uint64_t random_;
  std::uint64_t version_ = 0;  // the newest version this author knows (from its last ack)
  std::uint64_t seq_ = 0;
  std::atomic<std::uint64_t> acks_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<bool> in_flight_{false};
};

struct Sample {
  SteadyClock::time_point wall;
  std::chrono::nanoseconds process_cpu;
  std::chrono::nanoseconds loop_cpu;
  std::chrono::nanoseconds main_cpu;  // this thread, which only waits; not counted as store
  std::uint64_t acks = 0;
  std::uint64_t written_bytes = 0;
  store::SqliteStoreStats store;
};

// Bytes this process has passed to write() and pwrite() (the "wchar" line of /proc/self/io).
std::uint64_t written_bytes() {
  std::ifstream io("/proc/self/io");
  std::string key;
  std::uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "wchar:") return value;
  }
  return 0;
}

std::uint64_t total_acks(const std::vector<std::shared_ptr<TypingAuthor>>& authors) {
  std::uint64_t total = 0;
  for (const auto& author : authors) total += author->acks();
  return total;
}

Sample sample(const EventLoops& loops, const store::SqliteStore& store,
              const std::vector<std::shared_ptr<TypingAuthor>>& authors) {
  return Sample{SteadyClock::now(),  cpu_time(CLOCK_PROCESS_CPUTIME_ID),
                loops.cpu_time(),    cpu_time(CLOCK_THREAD_CPUTIME_ID),
                total_acks(authors), written_bytes(),
                store.stats()};
}

template <typename Predicate>
bool wait_for(Predicate done) {
  const auto deadline = SteadyClock::now() + kPatience;
  while (!done()) {
    if (SteadyClock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::string doc_name(std::int64_t doc) { return "doc-" + std::to_string(doc); }

// range(0): documents; range(1): how many versions behind the newest it knows each author
// writes its op (the server transforms it over that many ops); range(2): authors per document
// (authors = ops in flight).
void BM_ConfirmedOps(benchmark::State& state) {
  const std::int64_t documents = state.range(0);
  const auto lag = static_cast<std::uint64_t>(state.range(1));
  const std::int64_t authors_per_doc = state.range(2);
  const std::int64_t author_count = documents * authors_per_doc;

  for (auto _ : state) {
    state.PauseTiming();
    TempDir dir;
    auto store = open_store(dir, state);
    if (!store) return;
    EventLoops loops(kLoops);
    CollabOptions options;
    options.idle_unload = std::chrono::hours(1);
    auto bus = bus::InProcessHub::create()->attach();
    Collaboration collaboration(loops.contexts(), *store, *bus, options);
    collaboration.start();

    std::atomic<bool> stopping{false};
    std::vector<std::shared_ptr<TypingAuthor>> authors;
    authors.reserve(static_cast<std::size_t>(author_count));
    for (std::int64_t i = 0; i < author_count; ++i) {
      // Connections are spread over the loops regardless of where their document lives.
      authors.push_back(std::make_shared<TypingAuthor>(
          collaboration, stopping, doc_name(i % documents), "author-" + std::to_string(i),
          static_cast<std::size_t>(i) % kLoops, lag,
          0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(i + 1)));
    }
    for (const auto& author : authors) author->start();
    // Warm-up: every document loaded and a few ops through each author.
    const auto warm = static_cast<std::uint64_t>(3 * author_count);
    const bool warmed = wait_for([&] { return total_acks(authors) >= warm; });

    state.ResumeTiming();
    const Sample begin = sample(loops, *store, authors);
    if (warmed) std::this_thread::sleep_for(kMeasure);
    const Sample end = sample(loops, *store, authors);
    state.PauseTiming();

    stopping.store(true);
    const bool drained =
        wait_for([&] { return std::ranges::none_of(authors, &TypingAuthor::in_flight); });
    store->close();  // runs every pending completion; then no actor has a store call left
    collaboration.stop();
    loops.stop();

    std::uint64_t errors = 0;
    for (const auto& author : authors) errors += author->errors();
    if (!warmed || !drained || errors > 0 || end.acks == begin.acks) {
      state.SkipWithError(errors > 0 ? "ops were refused" : "the run stalled");
      return;
    }
    const auto ops = static_cast<double>(end.acks - begin.acks);
    const double wall = std::chrono::duration<double>(end.wall - begin.wall).count();
    const auto us = [](std::chrono::nanoseconds time) {
      return std::chrono::duration<double, std::micro>(time).count();
    };
    const auto process_cpu = end.process_cpu - begin.process_cpu;
    const auto loop_cpu = end.loop_cpu - begin.loop_cpu;
    const auto main_cpu = end.main_cpu - begin.main_cpu;
    const auto commits =
        static_cast<double>(end.store.batches_committed - begin.store.batches_committed);
    const auto writes =
        static_cast<double>(end.store.writes_committed - begin.store.writes_committed);

    state.counters["ops_per_s"] = ops / wall;
    state.counters["cpu_us_per_op"] = us(process_cpu) / ops;
    state.counters["loop_us_per_op"] = us(loop_cpu) / ops;
    state.counters["store_us_per_op"] = us(process_cpu - loop_cpu - main_cpu) / ops;
    state.counters["cores"] = us(process_cpu) / 1e6 / wall;
    state.counters["ops_per_commit"] = commits > 0 ? writes / commits : 0.0;
    state.counters["written_kb_per_op"] =
        static_cast<double>(end.written_bytes - begin.written_bytes) / 1024.0 / ops;
    state.ResumeTiming();
  }
}
BENCHMARK(BM_ConfirmedOps)
    ->ArgNames({"docs", "lag", "authors"})
    ->Args({1000, 0, 1})  // CPU per op, one op in flight per document: no page is shared
    ->Args({1000, 3, 1})  // the same, each op transformed over 3 concurrent ones
    ->Args({4000, 0, 1})  // throughput with a deep store queue
    ->Args({100, 0, 10})  // 1,000 authors again, 10 per document (ops share index pages)
    ->Iterations(1)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tandem::collab::bench
