#pragma once

#include "server/http_types.hpp"
#include "server/repeated_cut_detector.hpp"
#include "server/router.hpp"
#include "server/transport_metrics.hpp"

#include <atomic>
#include <chrono>
#include <string>

namespace tandem::server {

// Names the proxy a request came through, from what proxies add to it (Via, X-Forwarded-*,
// Forwarded, an HTTP/1.0 request line); empty when nothing shows one. For logs and error
// messages only: none of it is trusted.
std::string describe_proxy(const Request& request);

// Lets a warning through at most once per interval, from any thread.
class LogThrottle {
 public:
  explicit LogThrottle(std::chrono::seconds interval) : interval_(interval) {}
  bool allow();

 private:
  std::chrono::seconds interval_;
  std::atomic<std::int64_t> next_{0};  // steady-clock nanoseconds
};

// Server-side detection of a proxy that breaks WebSocket (docs/deploying.md): counts what it
// sees and warns about it, rate-limited, naming the proxy.
class ProxySignals {
 public:
  explicit ProxySignals(TransportMetrics& metrics) : metrics_(metrics) {}

  // GET /v1/ws without an upgrade: 426 with a body that says the proxy dropped it, and how to fix.
  Response upgrade_missing(const Request& request);
  // A poll or SSE request; HTTP/1.0 means a proxy that can never pass a WebSocket upgrade.
  void observe_transport_request(const Request& request);
  // A held poll's client left `age` into a hold of `hold`: when polls keep being cut at one
  // age, a proxy's read timeout is shorter than the hold; count it and say how to fix it.
  void held_poll_abandoned(std::chrono::milliseconds age, std::chrono::milliseconds hold,
                           const std::string& proxy);

 private:
  TransportMetrics& metrics_;
  LogThrottle upgrade_warning_{std::chrono::seconds(60)};
  LogThrottle http10_warning_{std::chrono::seconds(60)};
  LogThrottle read_timeout_warning_{std::chrono::seconds(60)};
  RepeatedCutDetector held_poll_cuts_;
};

}  // namespace tandem::server
