#include "server/connection_tracker.hpp"

#include <utility>

namespace tandem::server {

void ConnectionTracker::closed() {
  if (open_.fetch_sub(1, std::memory_order_acq_rel) == 1 && draining()) fire_if_drained();
}

void ConnectionTracker::begin_draining(std::function<void()> on_drained) {
  {
    std::lock_guard lock(mutex_);
    on_drained_ = std::move(on_drained);
  }
  draining_.store(true, std::memory_order_release);
  if (open() == 0) fire_if_drained();
}

void ConnectionTracker::fire_if_drained() {
  std::function<void()> callback;
  {
    // Taking the callback out under the lock makes it run exactly once.
    std::lock_guard lock(mutex_);
    callback = std::exchange(on_drained_, nullptr);
  }
  if (callback) callback();
}

}  // namespace tandem::server
