#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "bench/bench_options.hpp"
#include "bench/latency_histogram.hpp"

namespace tandem::bench {

// Percentiles of one latency distribution, in microseconds.
struct LatencySummary {
  std::uint64_t count = 0;
  std::uint64_t p50 = 0;
  std::uint64_t p95 = 0;
  std::uint64_t p99 = 0;
  std::uint64_t max = 0;
  double mean = 0;

  static LatencySummary of(const LatencyHistogram& histogram);
};

struct ServerFigures {
  double cpu_seconds = 0;        // during the measured window
  double cpu_cores = 0;          // cpu_seconds / window: 1.0 is one core busy
  std::uint64_t rss_before = 0;  // before the first connection
  std::uint64_t rss_loaded = 0;  // at the end of the window, every client still connected
  std::uint64_t rss_peak = 0;
};

// Everything a run measured. Rates are per second of the measured window.
struct BenchReport {
  BenchOptions options;
  std::string started_at;  // ISO 8601, UTC
  unsigned cores = 0;      // std::thread::hardware_concurrency()
  std::size_t loops = 0;
  std::size_t total_clients = 0;  // viewers: writers + subscribers
  std::size_t writers = 0;
  double connect_seconds = 0;  // ramp-up until every client had its snapshot
  double window_seconds = 0;   // the measured window
  std::uint64_t connections = 0;
  std::uint64_t ready = 0;
  std::uint64_t offered = 0;
  std::uint64_t submitted = 0;
  std::uint64_t deferred = 0;
  std::uint64_t confirmed = 0;
  std::uint64_t deliveries = 0;
  std::uint64_t frames = 0;  // WebSocket frames, SSE socket reads, poll answers
  std::uint64_t joins = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t delivered_complete = 0;
  std::uint64_t delivered_incomplete = 0;
  LatencySummary confirm;          // submit -> own confirmation
  LatencySummary delivered_all;    // submit -> every subscriber of the document has it
  LatencySummary delivered_first;  // submit -> the first other subscriber has it
  LatencySummary join;             // connect -> snapshot
  std::map<std::string, std::uint64_t> errors;
  double generator_cpu_seconds = 0;
  std::uint64_t generator_rss = 0;
  std::optional<ServerFigures> server;

  std::uint64_t error_count() const;
  double per_second(std::uint64_t count) const;
};

boost::json::object to_json(const BenchReport& report);
// The human summary printed at the end of a run.
std::string to_text(const BenchReport& report);

// One progress line while the run goes on.
struct Progress {
  double elapsed_seconds = 0;
  bool measuring = false;
  std::uint64_t ready = 0;
  std::uint64_t clients = 0;
  double submitted_per_second = 0;
  double confirmed_per_second = 0;
  double deliveries_per_second = 0;
  std::uint64_t errors = 0;
  std::uint64_t in_flight = 0;
  std::optional<double> server_cpu_cores;
  std::optional<std::uint64_t> server_rss;
};
std::string progress_line(const Progress& progress);

}  // namespace tandem::bench
