#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

#include "store/write_request.hpp"

namespace tandem::store {

// The many-producers, one-writer queue in front of the writer thread: producers push without
// waiting for the disk, the writer takes everything queued (up to a bound) as one batch.
class GroupCommitQueue {
 public:
  // Moves `request` in and returns true, or leaves it untouched and returns false once closed.
  bool push(WriteRequest& request);
  // Blocks until something is queued, then appends up to `max_requests` to `batch` (in push
  // order). Returns false when the queue is closed and drained.
  bool take(std::deque<WriteRequest>& batch, std::size_t max_requests);
  // Refuses further pushes; take() still hands out what is already queued.
  void close();

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<WriteRequest> queue_;
  bool closed_ = false;
};

}  // namespace tandem::store
