#include "server/transport_metrics.hpp"

#include "proto/negotiation.hpp"

#include <fmt/format.h>

namespace tandem::server {
namespace {

std::size_t index_of(proto::Transport transport) { return static_cast<std::size_t>(transport); }
std::size_t index_of(proto::Outcome outcome) { return static_cast<std::size_t>(outcome); }

constexpr std::array kKnownTransports = {proto::Transport::kWebSocket, proto::Transport::kSse,
                                         proto::Transport::kPoll};

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

template <typename Value>
void sample(std::string& out, std::string_view name, std::string_view labels, Value value) {
  if (labels.empty()) {
    fmt::format_to(std::back_inserter(out), "{} {}\n", name, value);
  } else {
    fmt::format_to(std::back_inserter(out), "{}{{{}}} {}\n", name, labels, value);
  }
}

std::string transport_label(proto::Transport transport) {
  return fmt::format("transport=\"{}\"", proto::transport_name(transport));
}

// One series per known transport, zeros included, so rates work from the first scrape.
template <typename Array>
void per_transport(std::string& out, std::string_view name, const Array& values) {
  for (proto::Transport transport : kKnownTransports) {
    sample(out, name, transport_label(transport),
           values[index_of(transport)].load(std::memory_order_relaxed));
  }
}

}  // namespace

void TransportMetrics::opened(proto::Transport transport) {
  open_[index_of(transport)].fetch_add(1, std::memory_order_relaxed);
}

void TransportMetrics::closed(proto::Transport transport) {
  open_[index_of(transport)].fetch_sub(1, std::memory_order_relaxed);
}

void TransportMetrics::origin_refused(proto::Transport transport) {
  origin_refused_[index_of(transport)].fetch_add(1, std::memory_order_relaxed);
}

void TransportMetrics::hello(proto::Transport transport, const proto::Negotiation* report) {
  const std::size_t to = index_of(transport);
  hellos_[to].fetch_add(1, std::memory_order_relaxed);
  if (report == nullptr) return;
  if (report->reconnects.value_or(0) > 0) reconnects_[to].fetch_add(1, std::memory_order_relaxed);
  const proto::NegotiationAttempt* failed_websocket = nullptr;
  for (const proto::NegotiationAttempt& attempt : report->attempts) {
    attempts_[index_of(attempt.transport)][index_of(attempt.outcome)].fetch_add(
        1, std::memory_order_relaxed);
    if (attempt.transport == proto::Transport::kWebSocket &&
        attempt.outcome != proto::Outcome::kOk) {
      failed_websocket = &attempt;
    }
  }
  // The last failed WebSocket attempt says why this session is on a fallback.
  if (transport != proto::Transport::kWebSocket && failed_websocket != nullptr) {
    fallbacks_[to][index_of(failed_websocket->outcome)].fetch_add(1, std::memory_order_relaxed);
  }
  if (report->previous != proto::Transport::kUnknown && report->previous != transport) {
    switches_[index_of(report->previous)][to].fetch_add(1, std::memory_order_relaxed);
  }
}

void TransportMetrics::append_prometheus(std::string& out) const {
  header(out, "tandem_connections_open", "gauge",
         "Protocol connections open now: WebSocket sessions, SSE streams, held polls.");
  per_transport(out, "tandem_connections_open", open_);

  header(out, "tandem_sessions_total", "counter",
         "Hellos accepted, by the transport they arrived on.");
  per_transport(out, "tandem_sessions_total", hellos_);

  header(out, "tandem_reconnects_total", "counter",
         "Hellos from clients that had been connected before (negotiation.reconnects > 0).");
  per_transport(out, "tandem_reconnects_total", reconnects_);

  header(out, "tandem_negotiation_attempts_total", "counter",
         "Transport attempts reported by clients in their hello, by transport and outcome.");
  for (proto::Transport transport : kKnownTransports) {
    for (std::size_t outcome = 1; outcome < kOutcomes; ++outcome) {
      const auto value = attempts_[index_of(transport)][outcome].load(std::memory_order_relaxed);
      if (value == 0 && outcome != index_of(proto::Outcome::kOk)) continue;
      sample(out, "tandem_negotiation_attempts_total",
             fmt::format("{},outcome=\"{}\"", transport_label(transport),
                         proto::outcome_name(static_cast<proto::Outcome>(outcome))),
             value);
    }
  }

  header(out, "tandem_fallbacks_total", "counter",
         "Sessions on SSE or long-poll after a failed WebSocket attempt, by why it failed.");
  for (proto::Transport transport : {proto::Transport::kSse, proto::Transport::kPoll}) {
    for (std::size_t reason = 0; reason < kOutcomes; ++reason) {
      const auto value = fallbacks_[index_of(transport)][reason].load(std::memory_order_relaxed);
      if (value == 0) continue;
      sample(out, "tandem_fallbacks_total",
             fmt::format("{},reason=\"{}\"", transport_label(transport),
                         proto::outcome_name(static_cast<proto::Outcome>(reason))),
             value);
    }
  }

  header(out, "tandem_transport_switches_total", "counter",
         "Sessions whose client came from another transport (negotiation.previous); "
         "to=\"websocket\" are upgrades, from=\"websocket\" are fallbacks of a working client.");
  for (proto::Transport from : kKnownTransports) {
    for (proto::Transport to : kKnownTransports) {
      const auto value = switches_[index_of(from)][index_of(to)].load(std::memory_order_relaxed);
      if (value == 0) continue;
      sample(out, "tandem_transport_switches_total",
             fmt::format("from=\"{}\",to=\"{}\"", proto::transport_name(from),
                         proto::transport_name(to)),
             value);
    }
  }

  header(out, "tandem_origin_refused_total", "counter",
         "Connections refused by the Origin allowlist, by transport.");
  per_transport(out, "tandem_origin_refused_total", origin_refused_);

  header(out, "tandem_websocket_upgrade_missing_total", "counter",
         "Plain GETs on /v1/ws: something in between dropped the Upgrade header.");
  sample(out, "tandem_websocket_upgrade_missing_total", "",
         upgrade_missing_.load(std::memory_order_relaxed));

  header(out, "tandem_proxied_http10_requests_total", "counter",
         "Transport requests that arrived as HTTP/1.0 through a proxy (no WebSocket possible).");
  sample(out, "tandem_proxied_http10_requests_total", "",
         proxied_http10_.load(std::memory_order_relaxed));

  header(out, "tandem_proxy_read_timeout_suspected_total", "counter",
         "Held polls whose client left at the same age as several before: a proxy read timeout.");
  sample(out, "tandem_proxy_read_timeout_suspected_total", "",
         read_timeout_suspected_.load(std::memory_order_relaxed));
  header(out, "tandem_proxy_read_timeout_seconds", "gauge",
         "The age at which held polls were last seen cut again and again (0: never).");
  out +=
      "tandem_proxy_read_timeout_seconds " +
      fmt::format("{:.3f}",
                  static_cast<double>(read_timeout_ms_.load(std::memory_order_relaxed)) / 1000.0) +
      "\n";
}

}  // namespace tandem::server
