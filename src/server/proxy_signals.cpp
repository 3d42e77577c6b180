#include "server/proxy_signals.hpp"

#include "server/json_error.hpp"

#include <spdlog/spdlog.h>

#include <string_view>

namespace tandem::server {
namespace {

constexpr std::string_view kUpgradeFix =
    "nginx: proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; "
    "proxy_set_header Connection \"upgrade\"; Apache: ProxyPass ... upgrade=websocket; "
    "see docs/deploying.md";

// Header values end up in logs: keep them short and printable.
std::string printable(std::string_view value) {
  std::string out;
  for (char c : value.substr(0, 120)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

}  // namespace

std::string describe_proxy(const Request& request) {
  if (const std::string_view via = request[http::field::via]; !via.empty()) {
    return "the proxy \"" + printable(via) + "\" (Via)";
  }
  if (const std::string_view server = request["X-Forwarded-Server"]; !server.empty()) {
    // Apache's mod_proxy adds it by default.
    return "a proxy on " + printable(server) + " (X-Forwarded-Server, as Apache sends)";
  }
  for (const char* header : {"X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Proto"}) {
    if (!request[header].empty()) return std::string("a proxy (") + header + ")";
  }
  if (request.version() == 10) return "an HTTP/1.0 proxy (nginx's default upstream protocol)";
  return {};
}

bool LogThrottle::allow() {
  const std::int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  std::int64_t next = next_.load(std::memory_order_relaxed);
  if (now < next) return false;
  const std::int64_t after = now + std::chrono::nanoseconds(interval_).count();
  return next_.compare_exchange_strong(next, after, std::memory_order_relaxed);
}

Response ProxySignals::upgrade_missing(const Request& request) {
  metrics_.upgrade_missing();
  const std::string proxy = describe_proxy(request);
  const std::string culprit = proxy.empty() ? "a proxy in between" : proxy;
  if (upgrade_warning_.allow()) {
    spdlog::warn(
        "a WebSocket request reached /v1/ws without its Upgrade header: {} drops it, so every "
        "client falls back to SSE or long-polling. Fix: {} (counted in "
        "tandem_websocket_upgrade_missing_total; this warning repeats at most once a minute)",
        culprit, kUpgradeFix);
  }
  std::string message =
      "this endpoint needs a WebSocket upgrade, and the request arrived without "
      "one: if you sent one, ";
  message += culprit;
  message += " dropped the Upgrade and Connection headers. Fix: ";
  message += kUpgradeFix;
  Response response = make_json_error(http::status::upgrade_required, "upgrade_required", message,
                                      request.version());
  response.set(http::field::upgrade, "websocket");
  return response;
}

void ProxySignals::observe_transport_request(const Request& request) {
  if (request.version() != 10) return;
  metrics_.proxied_http10();
  if (http10_warning_.allow()) {
    spdlog::warn(
        "HTTP/1.0 request for {} from {}: a proxy speaking HTTP/1.0 upstream cannot pass "
        "WebSocket upgrades and may buffer streams; set proxy_http_version 1.1 (nginx) "
        "(counted in tandem_proxied_http10_requests_total; at most once a minute)",
        printable(request.target()), describe_proxy(request));
  }
}

void ProxySignals::held_poll_abandoned(std::chrono::milliseconds age,
                                       std::chrono::milliseconds hold, const std::string& proxy) {
  const auto cut_at = held_poll_cuts_.departed(age, hold);
  if (!cut_at) return;
  metrics_.read_timeout_suspected(*cut_at);
  if (read_timeout_warning_.allow()) {
    const auto seconds = static_cast<double>(cut_at->count()) / 1000.0;
    spdlog::warn(
        "held polls keep losing their client after {:.1f} s (poll-hold is {} s): a proxy in "
        "front of Tandem{} has a read timeout shorter than the hold. Raise it above {} s (nginx: "
        "proxy_read_timeout 60s; HAProxy: timeout server 60s and timeout tunnel 1h; Apache: "
        "ProxyTimeout 60) or lower poll-hold below it (e.g. --poll-hold {}s). Counted in "
        "tandem_proxy_read_timeout_suspected_total; at most once a minute",
        seconds, hold.count() / 1000, proxy.empty() ? "" : " (" + proxy + ")", hold.count() / 1000,
        std::max<std::int64_t>(1, static_cast<std::int64_t>(seconds * 0.8)));
  }
}

}  // namespace tandem::server
