#include "store/task_thread.hpp"

#include <utility>

namespace tandem::store {

TaskThread::TaskThread() : thread_([this] { run(); }) {}

TaskThread::~TaskThread() { stop_and_join(); }

void TaskThread::post(Task task) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    task(true);  // refused: the caller's completion learns it at once
    return;
  }
  const bool was_empty = tasks_.empty();
  tasks_.push_back(std::move(task));
  lock.unlock();
  // The thread only sleeps on an empty queue, so only the first post needs to wake it.
  if (was_empty) ready_.notify_one();
}

void TaskThread::stop_and_join() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TaskThread::run() {
  std::deque<Task> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return !tasks_.empty() || stopping_; });
      if (tasks_.empty()) return;
      batch.swap(tasks_);
    }
    for (Task& task : batch) task(false);
    batch.clear();
  }
}

}  // namespace tandem::store
