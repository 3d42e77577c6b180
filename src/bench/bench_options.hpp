#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::bench {

// The load shapes of `tandem bench` (docs/bench.md).
enum class Scenario : std::uint8_t {
  kAuthors,  // N clients on one document, each submitting at R ops/s
  kViewers,  // W writers at R ops/s, N read-only subscribers, one document
  kDocs,     // D documents, N clients spread over them, each submitting at R ops/s
  kIdle,     // N subscribed, silent clients: memory per connection
  kJoin,     // connect + hello + subscribe + snapshot, again and again
};

enum class TransportKind : std::uint8_t { kWebSocket, kSse, kPoll };

// The server under load: Tandem, or one of the peers in bench/peers/ for side-by-side runs.
enum class TargetKind : std::uint8_t { kTandem, kShareDb, kSocketIo };

std::string_view scenario_name(Scenario scenario);
std::optional<Scenario> parse_scenario(std::string_view name);
std::string_view transport_name(TransportKind transport);
std::optional<TransportKind> parse_transport(std::string_view name);
std::string_view target_name(TargetKind target);
std::optional<TargetKind> parse_target(std::string_view name);

struct BenchOptions {
  Scenario scenario = Scenario::kAuthors;
  // The servers, http://HOST:PORT on loopback; several (the nodes of a cluster): clients are
  // spread over them round-robin.
  std::vector<std::string> urls{"http://127.0.0.1:8080"};
  std::size_t clients = 10;
  // Ops per second per writer (authors, viewers, docs); joins per second per joiner (join, 0:
  // as fast as they go).
  double rate = 2.0;
  double duration_seconds = 10.0;
  TransportKind transport = TransportKind::kWebSocket;
  TargetKind target = TargetKind::kTandem;
  std::size_t docs = 1;
  std::size_t writers = 1;  // viewers only
  std::optional<int> server_pid;
  std::string json_file;
  std::size_t threads = 0;             // event loops; 0: one per core
  double connect_rate = 2000.0;        // new connections per second while ramping up
  std::size_t probes = 8;              // clients that decode every frame with the full codec
  double connect_timeout_seconds = 0;  // 0: derived from clients / connect_rate
  double drain_seconds = 10.0;         // after the run, wait this long at most for confirmations
  std::size_t connections_per_address = 20000;  // source ports used per 127.0.0.x
  bool progress = true;
};

// Servers one run may spread its clients over.
inline constexpr std::size_t kMaxUrls = 64;

// A message naming what is wrong with the options, or nothing.
std::optional<std::string> validate(const BenchOptions& options);

}  // namespace tandem::bench
