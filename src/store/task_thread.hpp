#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace tandem::store {

// One thread running posted tasks in order: the reader thread, which owns its connection.
class TaskThread {
 public:
  // Called exactly once: on the thread with `cancelled` false, or on the poster's thread with
  // `cancelled` true when the thread no longer takes tasks.
  using Task = std::function<void(bool cancelled)>;

  TaskThread();
  TaskThread(const TaskThread&) = delete;
  TaskThread& operator=(const TaskThread&) = delete;
  ~TaskThread();  // stop_and_join()

  // Queues `task`; once stopping, calls task(true) right away instead.
  void post(Task task);
  // Refuses new tasks, runs the queued ones, and joins the thread. Idempotent.
  void stop_and_join();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Task> tasks_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

}  // namespace tandem::store
