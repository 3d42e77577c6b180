#include "server/flood_counters.hpp"

#include <fmt/format.h>

#include <iterator>

namespace tandem::server {

void FloodCounters::append_prometheus(std::string& out) const {
  auto sink = std::back_inserter(out);
  fmt::format_to(sink,
                 "# HELP tandem_refused_total Messages refused by the flood limits, by reason.\n"
                 "# TYPE tandem_refused_total counter\n");
  const std::pair<const char*, const std::atomic<std::uint64_t>*> reasons[] = {
      {"ops_rate_limited", &ops_rate_limited},
      {"presence_rate_limited", &presence_rate_limited},
      {"ops_overloaded", &ops_overloaded},
      {"too_many_new_docs", &new_docs_refused},
  };
  for (const auto& [reason, counter] : reasons) {
    fmt::format_to(sink, "tandem_refused_total{{reason=\"{}\"}} {}\n", reason,
                   counter->load(std::memory_order_relaxed));
  }
  fmt::format_to(sink,
                 "# HELP tandem_flood_disconnects_total Connections closed for collecting "
                 "max-refusals refusals.\n"
                 "# TYPE tandem_flood_disconnects_total counter\n"
                 "tandem_flood_disconnects_total {}\n",
                 connections_closed.load(std::memory_order_relaxed));
}

}  // namespace tandem::server
