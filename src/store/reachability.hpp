#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace tandem::store {

// Whether a remote database answers, judged from real work (batches, reads, readiness probes):
// each change is logged once and counted, instead of one error line per failed call
// (docs/store.md, "Failure behaviour"). Thread-safe.
class Reachability {
 public:
  explicit Reachability(std::string what) : what_(std::move(what)) {}

  // `reached`: the call got an answer from the database (even a refusal); else why not.
  void report(bool reached, std::string_view why = {});

  bool reachable() const { return reachable_.load(std::memory_order_relaxed); }
  // Times the database became unreachable since the store opened.
  std::uint64_t outages() const { return outages_.load(std::memory_order_relaxed); }

 private:
  std::string what_;
  std::mutex mutex_;  // orders the transitions and their log lines
  std::atomic<bool> reachable_{true};
  std::atomic<std::uint64_t> outages_{0};
};

}  // namespace tandem::store
