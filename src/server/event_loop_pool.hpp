#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

namespace tandem::server {

// One single-threaded io_context per core (DESIGN.md §6): whatever a loop owns is touched only
// by its own thread, so connections and documents need no locks.
class EventLoopPool {
 public:
  explicit EventLoopPool(std::size_t loop_count);
  ~EventLoopPool();

  EventLoopPool(const EventLoopPool&) = delete;
  EventLoopPool& operator=(const EventLoopPool&) = delete;

  void start();
  // Lets every loop finish its queued handlers, then joins the threads.
  void stop();

  std::size_t size() const { return loops_.size(); }
  boost::asio::io_context& loop(std::size_t index) { return *loops_[index]->context; }
  // Round-robin choice of the loop for a new connection.
  std::size_t next_index();

 private:
  struct Loop {
    std::unique_ptr<boost::asio::io_context> context;
    std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<std::size_t> next_{0};
  bool started_ = false;
};

}  // namespace tandem::server
