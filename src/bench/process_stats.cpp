#include "bench/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>

namespace tandem::bench {
namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

}  // namespace

std::optional<std::uint64_t> parse_stat_cpu_ticks(std::string_view stat) {
  // The command name is in parentheses and may hold anything, so count fields after the last
  // ')': state is field 3, utime field 14 and stime field 15.
  const std::size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = stat.substr(close + 1);
  std::uint64_t total = 0;
  for (int field = 3; field <= 15; ++field) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const std::size_t end = rest.find_first_of(" \n");
    const std::string_view token = rest.substr(0, end);
    if (token.empty()) return std::nullopt;
    if (field >= 14) {
      auto value = parse_unsigned(token);
      if (!value) return std::nullopt;
      total += *value;
    }
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  return total;
}

std::optional<std::uint64_t> parse_status_kib(std::string_view status, std::string_view key) {
  std::size_t line_start = 0;
  while (line_start < status.size()) {
    const std::size_t line_end = status.find('\n', line_start);
    std::string_view line = status.substr(line_start, line_end - line_start);
    line_start = line_end == std::string_view::npos ? status.size() : line_end + 1;
    if (line.size() <= key.size() || !line.starts_with(key) || line[key.size()] != ':') continue;
    line.remove_prefix(key.size() + 1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.ends_with(" kB")) return std::nullopt;
    line.remove_suffix(3);
    auto kib = parse_unsigned(line);
    if (!kib || *kib > (UINT64_MAX >> 10)) return std::nullopt;
    return *kib * 1024;
  }
  return std::nullopt;
}

std::optional<ProcessSample> sample_process(int pid) {
  const std::string base = "/proc/" + std::to_string(pid);
  auto stat = read_file(base + "/stat");
  auto status = read_file(base + "/status");
  if (!stat || !status) return std::nullopt;
  auto ticks = parse_stat_cpu_ticks(*stat);
  auto rss = parse_status_kib(*status, "VmRSS");
  if (!ticks || !rss) return std::nullopt;
  ProcessSample sample;
  sample.cpu_seconds = static_cast<double>(*ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  sample.rss_bytes = *rss;
  sample.peak_rss_bytes = parse_status_kib(*status, "VmHWM").value_or(*rss);
  return sample;
}

ProcessSample sample_self() {
  ProcessSample sample;
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    sample.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }
  if (auto status = read_file("/proc/self/status")) {
    sample.rss_bytes = parse_status_kib(*status, "VmRSS").value_or(0);
    sample.peak_rss_bytes = parse_status_kib(*status, "VmHWM").value_or(0);
  }
  return sample;
}

}  // namespace tandem::bench
