#include "bench/bench_options.hpp"

#include <array>
#include <string>
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

constexpr std::array<std::pair<TargetKind, std::string_view>, 3> kTargets{{
    {TargetKind::kTandem, "tandem"},
    {TargetKind::kShareDb, "sharedb"},
    {TargetKind::kSocketIo, "socketio"},
}};

template <class Kind, std::size_t N>
std::string_view name_of(const std::array<std::pair<Kind, std::string_view>, N>& names, Kind kind) {
  for (const auto& [value, name] : names) {
    if (value == kind) return name;
  }
  return "unknown";
}

template <class Kind, std::size_t N>
std::optional<Kind> parse_name(const std::array<std::pair<Kind, std::string_view>, N>& names,
                               std::string_view name) {
  for (const auto& [value, known] : names) {
    if (known == name) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view scenario_name(Scenario scenario) { return name_of(kScenarios, scenario); }
std::optional<Scenario> parse_scenario(std::string_view name) {
  return parse_name(kScenarios, name);
}
std::string_view transport_name(TransportKind transport) { return name_of(kTransports, transport); }
std::optional<TransportKind> parse_transport(std::string_view name) {
  return parse_name(kTransports, name);
}
std::string_view target_name(TargetKind target) { return name_of(kTargets, target); }
std::optional<TargetKind> parse_target(std::string_view name) { return parse_name(kTargets, name); }

std::optional<std::string> validate(const BenchOptions& options) {
  if (options.urls.empty()) return "--url must be given at least once";
  if (options.urls.size() > kMaxUrls) {
    return "--url may be given at most " + std::to_string(kMaxUrls) + " times";
  }
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
  if (options.target == TargetKind::kShareDb && options.transport != TransportKind::kWebSocket) {
    return "--target sharedb speaks WebSocket only (its peer has no HTTP transport)";
  }
  if (options.target == TargetKind::kSocketIo && options.transport == TransportKind::kSse) {
    return "--target socketio speaks websocket or poll (Socket.IO has no SSE transport)";
  }
  if (options.scenario == Scenario::kDocs && options.docs > options.clients) {
    return "--docs must not exceed --clients (each document needs an editor)";
  }
  return std::nullopt;
}

}  // namespace tandem::bench
