#pragma once

#include "bus/bus.hpp"
#include "collab/collab_options.hpp"
#include "collab/document_table.hpp"
#include "store/document_store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tandem::collab {

// Cluster (DESIGN.md §9): compares the versions of the documents this node serves with their
// heads in the shared store, so that ops another node committed but never published (it died
// between COMMIT and publishing, or the bus was down) still reach this node's subscribers.
// Runs on the first loop; every `head_check_interval`, or `head_check_interval_without_bus`
// while the bus is disconnected, and at once after the bus reconnects.
class HeadCheck {
 public:
  HeadCheck(std::vector<boost::asio::io_context*> loops, std::vector<DocumentTable*> tables,
            std::function<std::size_t(const std::string&)> loop_of, store::DocumentStore& store,
            bus::Bus& bus, const CollabOptions& options);

  void start();
  // Any thread: a check as soon as the one running (if any) ends.
  void check_now();
  // On the first loop, before the tables stop.
  void stop();

  std::uint64_t checks() const { return checks_.load(std::memory_order_relaxed); }
  // Documents a check found behind the store (their ops had not arrived over the bus).
  std::uint64_t behind() const { return behind_.load(std::memory_order_relaxed); }

 private:
  using Versions = std::vector<std::pair<std::string, std::uint64_t>>;

  void arm();
  void run();
  void compare(Versions known);

  std::vector<boost::asio::io_context*> loops_;
  std::vector<DocumentTable*> tables_;
  std::function<std::size_t(const std::string&)> loop_of_;
  store::DocumentStore& store_;
  bus::Bus& bus_;
  const CollabOptions& options_;
  boost::asio::steady_timer timer_;
  bool running_ = false;  // on the first loop only
  bool again_ = false;
  bool stopped_ = false;
  std::atomic<std::uint64_t> checks_{0};
  std::atomic<std::uint64_t> behind_{0};
};

}  // namespace tandem::collab
