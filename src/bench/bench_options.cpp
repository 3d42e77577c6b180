#include "bench/bench_options.hpp"

#include <array>
#include <utility>

namespace tandem::bench {
namespace {

constexpr std::array<std::pair<Scenario, std::string_view>, 5> kScenarios{{
    {Scenario::kAuthors, "authors"},
    {Scenario::kViewers, "viewers"},
    {Scenario::kDocs, "docs"},
    {Scenario::kIdle, "idle"},
    {Scenario::kJoin, "join"},
}};

constexpr std::array<std::pair<TransportKind, std::string_view>, 3> kTransports{{
    {TransportKind::kWebSocket, "websocket"},
    {TransportKind::kSse, "sse"},
    {TransportKind::kPoll, "poll"},
}};

}  // namespace

std::string_view scenario_name(Scenario scenario) {
  for (const auto& [value, name] : kScenarios) {
    if (value == scenario) return name;
  }
  return "unknown";
}

std::optional<Scenario> parse_scenario(std::string_view name) {
  for (const auto& [value, known] : kScenarios) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::string_view transport_name(TransportKind transport) {
  for (const auto& [value, name] : kTransports) {
    if (value == transport) return name;
  }
  return "unknown";
}

std::optional<TransportKind> parse_transport(std::string_view name) {
  for (const auto& [value, known] : kTransports) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::optional<std::string> validate(const BenchOptions& options) {
  if (options.clients == 0) return "--clients must be at least 1";
  if (options.rate < 0) return "--rate must not be negative";
  if (options.duration_seconds <= 0 || options.duration_seconds > 24 * 3600) {
    return "--duration must be more than 0 and at most 86400 seconds";
  }
  if (options.docs == 0) return "--docs must be at least 1";
  if (options.connect_rate <= 0) return "--connect-rate must be more than 0";
  if (options.connections_per_address == 0 || options.connections_per_address > 28000) {
    return "--connections-per-address must be from 1 to 28000";
  }
  const bool writes = options.scenario == Scenario::kAuthors ||
                      options.scenario == Scenario::kViewers || options.scenario == Scenario::kDocs;
  if (writes && options.rate <= 0) return "--rate must be more than 0 for this scenario";
  if (writes && options.rate > 1000) return "--rate is per writer and at most 1000 ops/s";
  if (options.scenario == Scenario::kViewers && options.writers == 0) {
    return "--writers must be at least 1";
  }
  if (options.scenario == Scenario::kDocs && options.docs > options.clients) {
    return "--docs must not exceed --clients (each document needs an editor)";
  }
  return std::nullopt;
}

}  // namespace tandem::bench
