#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace tandem::server {

// How often the flood limits refused something, for GET /metrics (docs/metrics.md): an operator
// sees whether honest users (many behind one NAT) hit them before changing a setting.
// Incremented from every loop.
struct FloodCounters {
  std::atomic<std::uint64_t> ops_rate_limited{0};
  std::atomic<std::uint64_t> presence_rate_limited{0};
  std::atomic<std::uint64_t> ops_overloaded{0};  // a full connection or document queue
  std::atomic<std::uint64_t> new_docs_refused{0};
  std::atomic<std::uint64_t> connections_closed{0};  // past max-refusals

  static void count(std::atomic<std::uint64_t>& counter) {
    counter.fetch_add(1, std::memory_order_relaxed);
  }
  void append_prometheus(std::string& out) const;
};

}  // namespace tandem::server
