#pragma once

#include "proto/messages.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace tandem::server {

// How clients reach this server and why they fall back (DESIGN.md §4): open connections by
// transport and the negotiation reports of their hellos, for GET /metrics (docs/metrics.md).
// Every event loop updates it; relaxed atomics, since each figure stands alone.
class TransportMetrics {
 public:
  // A connection carrying protocol messages began or ended: a WebSocket session, an SSE
  // stream, or a held poll.
  void opened(proto::Transport transport);
  void closed(proto::Transport transport);
  // A hello accepted over `transport`, with the client's report of how it got there.
  void hello(proto::Transport transport, const proto::Negotiation* report);
  // Tell-tale signs of a proxy in the way.
  void origin_refused(proto::Transport transport);
  void upgrade_missing() { upgrade_missing_.fetch_add(1, std::memory_order_relaxed); }
  void proxied_http10() { proxied_http10_.fetch_add(1, std::memory_order_relaxed); }
  // Held polls cut again and again at the same age, that age (a proxy's read timeout).
  void read_timeout_suspected(std::chrono::milliseconds age) {
    read_timeout_suspected_.fetch_add(1, std::memory_order_relaxed);
    read_timeout_ms_.store(static_cast<std::uint64_t>(age.count()), std::memory_order_relaxed);
  }

  // Appends the Prometheus text exposition (format 0.0.4) of every metric.
  void append_prometheus(std::string& out) const;

 private:
  static constexpr std::size_t kTransports = 4;  // proto::Transport, kUnknown included
  static constexpr std::size_t kOutcomes = 9;    // proto::Outcome, kUnknown included
  using Counter = std::atomic<std::uint64_t>;
  using ByTransport = std::array<Counter, kTransports>;

  std::array<std::atomic<std::int64_t>, kTransports> open_{};
  ByTransport hellos_{};
  ByTransport reconnects_{};
  ByTransport origin_refused_{};
  std::array<std::array<Counter, kOutcomes>, kTransports> attempts_{};   // [transport][outcome]
  std::array<std::array<Counter, kOutcomes>, kTransports> fallbacks_{};  // [to][reason]
  std::array<ByTransport, kTransports> switches_{};                      // [from][to]
  Counter upgrade_missing_{0};
  Counter proxied_http10_{0};
  Counter read_timeout_suspected_{0};
  Counter read_timeout_ms_{0};
};

}  // namespace tandem::server
