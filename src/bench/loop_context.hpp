#pragma once

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <random>
#include <utility>
#include <vector>

#include "bench/frame_scanner.hpp"
#include "bench/loop_stats.hpp"
#include "bench/loopback_target.hpp"
#include "bench/source_addresses.hpp"

namespace tandem::bench {

// One server of the run (one --url) and the source addresses of the connections towards it:
// each server port has its own ~28,000 ephemeral ports per source address.
struct ServerTarget {
  ServerTarget(LoopbackTarget loopback, std::size_t per_address)
      : target(std::move(loopback)), addresses(target.address, per_address) {}

  LoopbackTarget target;
  SourceAddresses addresses;
};

// Shared by every event loop of a run; set up before the loops start.
struct RunShared {
  // One per --url, in the order given; a client talks to servers[plan.server]. A deque, since
  // SourceAddresses cannot move and clients keep references.
  std::deque<ServerTarget> servers;
  // True during the measured window: only then do counters and latencies count.
  std::atomic<bool> measuring{false};
};

// One event loop's world: its io_context, its statistics and scratch space. Touched only by
// the loop's own thread (the counters in `stats` excepted).
struct LoopContext {
  LoopContext(boost::asio::io_context& context, RunShared& run_shared, std::uint64_t seed)
      : io(context), shared(run_shared), random(seed) {}

  boost::asio::io_context& io;
  RunShared& shared;
  LoopStats stats;
  std::vector<ScannedMessage> scratch;
  std::mt19937_64 random;

  bool measuring() const { return shared.measuring.load(std::memory_order_relaxed); }
};

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace tandem::bench
