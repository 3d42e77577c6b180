#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

#include "bench/delivery_ledger.hpp"
#include "bench/latency_histogram.hpp"

namespace tandem::bench {

// Counters read by the runner while the loop runs; only the loop's own thread writes them, so
// a relaxed load and store (no locked instruction) is enough.
class Counter {
 public:
  void add(std::uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void sub(std::uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
  }
  std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// What the clients of one event loop observed. Counters are live; the histograms, the ledger
// and the error table are read only after the loop has stopped.
struct LoopStats {
  Counter connected;   // connections established (every transport connection counts)
  Counter ready;       // clients that have their snapshot
  Counter offered;     // ops the schedule asked for while measuring
  Counter submitted;   // ops sent while measuring
  Counter deferred;    // scheduled while one was in flight: sent when it was confirmed
  Counter confirmed;   // own ops confirmed (sent while measuring)
  Counter in_flight;   // ops sent and neither confirmed nor refused (any phase)
  Counter deliveries;  // op and ack messages received while measuring
  Counter frames;      // WebSocket frames, SSE socket reads, poll answers (while measuring)
  Counter joins;       // join scenario: snapshots reached
  Counter errors;      // everything in `error_codes`
  Counter reconnects;  // HTTP downlinks reopened (SSE end of life, keep-alive closed)

  LatencyHistogram confirm;  // submit -> own confirmation, microseconds
  LatencyHistogram join;     // connect -> snapshot
  DeliveryLedger ledger;
  std::map<std::string, std::uint64_t> error_codes;

  void error(const std::string& code) {
    ++error_codes[code];
    errors.add();
  }
};

}  // namespace tandem::bench
