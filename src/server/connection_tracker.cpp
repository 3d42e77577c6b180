#include "server/connection_tracker.hpp"

#include <utility>

namespace tandem::server {

void ConnectionTracker::opened() {
  std::lock_guard lock(mutex_);
  open_.fetch_add(1, std::memory_order_relaxed);
}

void ConnectionTracker::closed() {
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    if (open_.fetch_sub(1, std::memory_order_relaxed) != 1) return;
    all_closed_.notify_all();
    // Taking the callback out under the lock makes it run exactly once.
    if (draining()) callback = std::exchange(on_drained_, nullptr);
  }
  if (callback) callback();
}

void ConnectionTracker::begin_draining(std::function<void()> on_drained) {
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    draining_.store(true, std::memory_order_release);
    on_drained_ = std::move(on_drained);
    if (open() == 0) callback = std::exchange(on_drained_, nullptr);
  }
  if (callback) callback();
}

void ConnectionTracker::wait_closed() {
  std::unique_lock lock(mutex_);
  all_closed_.wait(lock, [this] { return open() == 0; });
}

}  // namespace tandem::server
