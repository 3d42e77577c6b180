#pragma once

#include "store/store_stats.hpp"
#include "store/write_request.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <variant>

namespace tandem::store {

// The batch and write counters every store keeps: counted by its writer thread after a batch
// ends, read by /metrics from any thread.
class BatchCounters {
 public:
  // A batch ended: `committed` says whether its transaction committed; each write's result
  // says whether it was confirmed or refused as a conflict.
  void count(bool committed, const std::deque<WriteRequest>& batch) {
    (committed ? batches_committed_ : batches_failed_).fetch_add(1, std::memory_order_relaxed);
    std::uint64_t confirmed = 0;
    std::uint64_t refused = 0;
    for (const WriteRequest& request : batch) {
      // A batch append counts its ops, like as many appends: those written (after a rebase)
      // when it succeeded, those given when it was refused.
      const auto* appends = std::get_if<BatchAppend>(&request.write);
      if (request.result.ok()) {
        confirmed += appends != nullptr ? appends->outcome->appended.size() : 1;
      } else if (request.result.error().code == ErrorCode::kConflict) {
        refused += appends != nullptr ? appends->ops.size() : 1;
      }
    }
    writes_committed_.fetch_add(confirmed, std::memory_order_relaxed);
    writes_refused_.fetch_add(refused, std::memory_order_relaxed);
  }

  // Fills the batch and write fields of `stats`.
  void read_into(StoreStats& stats) const {
    stats.batches_committed = batches_committed_.load(std::memory_order_relaxed);
    stats.batches_failed = batches_failed_.load(std::memory_order_relaxed);
    stats.writes_committed = writes_committed_.load(std::memory_order_relaxed);
    stats.writes_refused = writes_refused_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> batches_committed_{0};
  std::atomic<std::uint64_t> batches_failed_{0};
  std::atomic<std::uint64_t> writes_committed_{0};
  std::atomic<std::uint64_t> writes_refused_{0};
};

}  // namespace tandem::store
