#include "store/group_commit_queue.hpp"

#include <algorithm>
#include <iterator>

namespace tandem::store {

bool GroupCommitQueue::push(WriteRequest& request) {
  bool was_empty = false;
  {
    const std::lock_guard lock(mutex_);
    if (closed_) return false;
    was_empty = queue_.empty();
    queue_.push_back(std::move(request));
  }
  // The writer only sleeps on an empty queue, so only the first push needs to wake it.
  if (was_empty) ready_.notify_one();
  return true;
}

bool GroupCommitQueue::take(std::deque<WriteRequest>& batch, std::size_t max_requests) {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [this] { return !queue_.empty() || closed_; });
  if (queue_.empty()) return false;
  if (batch.empty() && queue_.size() <= max_requests) {
    batch.swap(queue_);  // the usual case: O(1) under the lock, producers barely wait
    return true;
  }
  const auto count = static_cast<std::ptrdiff_t>(std::min(max_requests, queue_.size()));
  batch.insert(batch.end(), std::make_move_iterator(queue_.begin()),
               std::make_move_iterator(queue_.begin() + count));
  queue_.erase(queue_.begin(), queue_.begin() + count);
  return true;
}

void GroupCommitQueue::close() {
  {
    const std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

}  // namespace tandem::store
