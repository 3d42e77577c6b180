#pragma once

// What both collab benchmarks need: a temporary store on disk and event loops run on their own
// threads as `tandem serve` runs them, with the CPU time each thread has used.

#include <benchmark/benchmark.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "store/sqlite_store.hpp"

namespace tandem::collab::bench {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tandem-collab-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] bool created() const { return !path_.empty(); }
  [[nodiscard]] std::string db() const { return (path_ / "tandem.db").string(); }

 private:
  std::filesystem::path path_;
};

inline std::unique_ptr<store::SqliteStore> open_store(const TempDir& dir, benchmark::State& state) {
  if (!dir.created()) {
    state.SkipWithError("cannot create a temporary directory");
    return nullptr;
  }
  auto store = store::SqliteStore::open(store::SqliteStoreOptions{dir.db()});
  if (!store.ok()) {
    state.SkipWithError(store.error().message.c_str());
    return nullptr;
  }
  return std::move(*store);
}

inline std::chrono::nanoseconds cpu_time(clockid_t clock) {
  timespec now{};
  if (clock_gettime(clock, &now) != 0) return {};
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// One single-threaded io_context per thread, concurrency hint 1, like server::EventLoopPool.
class EventLoops {
 public:
  explicit EventLoops(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      auto loop = std::make_unique<Loop>();
      loop->context = std::make_unique<boost::asio::io_context>(1);
      loop->work = std::make_unique<Guard>(loop->context->get_executor());
      loop->thread = std::thread([context = loop->context.get()] { context->run(); });
      if (pthread_getcpuclockid(loop->thread.native_handle(), &loop->cpu_clock) != 0) {
        loop->cpu_clock = CLOCK_THREAD_CPUTIME_ID;  // unreachable on Linux; keeps it defined
      }
      loops_.push_back(std::move(loop));
    }
  }
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;
  ~EventLoops() { stop(); }

  [[nodiscard]] std::vector<boost::asio::io_context*> contexts() const {
    std::vector<boost::asio::io_context*> contexts;
    contexts.reserve(loops_.size());
    for (const auto& loop : loops_) contexts.push_back(loop->context.get());
    return contexts;
  }

  // CPU time the loop threads have used so far; valid until stop().
  [[nodiscard]] std::chrono::nanoseconds cpu_time() const {
    std::chrono::nanoseconds total{};
    for (const auto& loop : loops_) total += bench::cpu_time(loop->cpu_clock);
    return total;
  }

  // Lets every loop finish its queued handlers, then joins the threads.
  void stop() {
    for (auto& loop : loops_) loop->work.reset();
    for (auto& loop : loops_) {
      if (loop->thread.joinable()) loop->thread.join();
    }
  }

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  struct Loop {
    std::unique_ptr<boost::asio::io_context> context;
    std::unique_ptr<Guard> work;
    std::thread thread;
    clockid_t cpu_clock{};
  };
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace tandem::collab::bench
