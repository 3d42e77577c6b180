#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tandem::bench {

// CPU time and resident memory of a process, from /proc (Linux).
struct ProcessSample {
  double cpu_seconds = 0;  // user + system, every thread
  std::uint64_t rss_bytes = 0;
  std::uint64_t peak_rss_bytes = 0;  // VmHWM
};

// Reads /proc/PID/stat and /proc/PID/status; nothing when the process is gone.
std::optional<ProcessSample> sample_process(int pid);
// This process, from getrusage (CPU) and /proc/self/status (memory).
ProcessSample sample_self();

// Parsers of the two files, kept apart for tests and fuzzing.
// utime + stime in clock ticks, from the text of /proc/PID/stat.
std::optional<std::uint64_t> parse_stat_cpu_ticks(std::string_view stat);
// A "Key:   123 kB" line of /proc/PID/status, in bytes.
std::optional<std::uint64_t> parse_status_kib(std::string_view status, std::string_view key);

}  // namespace tandem::bench
