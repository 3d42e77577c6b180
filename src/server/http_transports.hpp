#pragma once

#include "server/access_control.hpp"
#include "server/downlink_registry.hpp"
#include "server/proxy_signals.hpp"
#include "server/router.hpp"
#include "server/transport_metrics.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <vector>

namespace tandem::server {

struct HttpTransportOptions {
  // A poll with nothing to send is answered (empty) after this long: shorter than the read
  // timeouts of common proxies (nginx 60 s, HAProxy 50 s, many corporate proxies 30 s).
  std::chrono::milliseconds poll_hold{25'000};
  std::size_t poll_max_bytes = std::size_t{1} << 20;
  std::chrono::milliseconds sse_heartbeat{15'000};
  // An SSE stream ends after this long or this many bytes, and the browser reopens it, so
  // proxies that cap response time or size do no harm.
  std::chrono::milliseconds sse_max_lifetime{300'000};
  std::size_t sse_max_bytes = std::size_t{16} << 20;
  // Held polls and open SSE streams on this server; beyond it: 503 + Retry-After.
  std::size_t max_held = 20'000;
  // Bodies larger than this are gzip-compressed for clients that accept it.
  std::size_t gzip_threshold = 1024;
};

// What the HTTP transports share; outlives every request.
struct HttpTransportEnvironment {
  std::vector<boost::asio::io_context*> loops;
  collab::Collaboration& collaboration;
  const ProtocolConfig& protocol;
  DownlinkRegistry& downlinks;
  AccessControl& access;
  const HttpTransportOptions& options;
  TransportMetrics& metrics;
  ProxySignals& proxy_signals;
  std::atomic<std::size_t> held{0};
};

// GET /v1/poll, POST /v1/send, GET /v1/sse and their CORS preflights (DESIGN.md §4, §8).
void add_http_transport_routes(Router& router, HttpTransportEnvironment& environment);

}  // namespace tandem::server
