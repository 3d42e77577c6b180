#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>

namespace tandem::server {

// Counts open connections across all loops and tells the owner when a drain has finished.
class ConnectionTracker {
 public:
  void opened();
  void closed();

  // From now on new connections are refused; on_drained runs (once, on any thread) when the
  // last open connection has closed, or at once if none is open.
  void begin_draining(std::function<void()> on_drained);
  // Blocks until no connection is open.
  void wait_closed();

  bool draining() const { return draining_.load(std::memory_order_acquire); }
  std::size_t open() const { return open_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::size_t> open_{0};
  std::atomic<bool> draining_{false};
  std::mutex mutex_;
  std::condition_variable all_closed_;
  std::function<void()> on_drained_;
};

}  // namespace tandem::server
