#include "server/event_loop_pool.hpp"

#include <spdlog/spdlog.h>

#include <exception>

namespace tandem::server {

EventLoopPool::EventLoopPool(std::size_t loop_count) {
  if (loop_count == 0) loop_count = 1;
  loops_.reserve(loop_count);
  for (std::size_t i = 0; i < loop_count; ++i) {
    auto loop = std::make_unique<Loop>();
    // Concurrency hint 1: each context is run by exactly one thread, so Asio can skip locking.
    loop->context = std::make_unique<boost::asio::io_context>(1);
    loop->work =
        std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
            loop->context->get_executor());
    loops_.push_back(std::move(loop));
  }
}

EventLoopPool::~EventLoopPool() { stop(); }

void EventLoopPool::start() {
  if (started_) return;
  started_ = true;
  for (auto& loop : loops_) {
    loop->thread = std::thread([context = loop->context.get()] {
      for (;;) {
        try {
          context->run();
          return;
        } catch (const std::exception& e) {
          // A handler must never take a whole loop down; log and keep serving.
          spdlog::error("event loop handler threw: {}", e.what());
        }
      }
    });
  }
}

void EventLoopPool::stop() {
  for (auto& loop : loops_) loop->work.reset();
  for (auto& loop : loops_) {
    if (loop->thread.joinable()) loop->thread.join();
  }
}

std::size_t EventLoopPool::next_index() {
  return next_.fetch_add(1, std::memory_order_relaxed) % loops_.size();
}

}  // namespace tandem::server
