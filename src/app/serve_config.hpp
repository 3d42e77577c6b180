#pragma once

#include "collab/collab_options.hpp"
#include "server/downlink_registry.hpp"
#include "server/http_limits.hpp"
#include "server/http_transports.hpp"
#include "server/protocol_session.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::app {

enum class LogFormat { text, json };

// Everything `tandem serve` can be told. Defaults are the values a fresh checkout runs with.
struct ServeConfig {
  boost::asio::ip::tcp::endpoint listen{boost::asio::ip::make_address("127.0.0.1"), 8080};
  std::filesystem::path data_dir = "tandem-data";
  // Empty: SQLite at <data_dir>/tandem.db. Else a postgres:// or postgresql:// URL (PgStore).
  std::string store;
  // Empty: the in-process bus of a node alone. Else a redis:// URL (RedisBus, docs/bus.md).
  std::string bus;
  std::string bus_prefix = "tandem:";
  // Empty: the `web` folder next to the tandem binary, where the build puts the demo.
  std::filesystem::path static_dir;
  std::size_t threads = 0;
  LogFormat log_format = LogFormat::text;
  std::string log_level = "info";
  server::HttpLimits http;
  std::chrono::milliseconds shutdown_timeout{10'000};

  // Protocol and WebSocket.
  std::size_t max_message_bytes = std::size_t{1} << 20;
  std::size_t max_docs_per_connection = 64;
  std::chrono::milliseconds heartbeat{20'000};
  std::chrono::milliseconds dead_peer_timeout{40'000};
  bool ws_deflate = true;
  // Under load, a loop writes fan-out (others' ops, presence) at most once per interval.
  std::chrono::milliseconds fanout_interval{20};
  std::size_t max_outbound_bytes = std::size_t{32} << 20;
  // Test-only: accept, refuse (400) or hang (never answer) every WebSocket upgrade.
  std::string test_websocket_upgrade = "accept";

  // HTTP fallback transports (long-poll, SSE, POST uplink).
  server::HttpTransportOptions http_transports;
  std::chrono::milliseconds downlink_grace = server::DownlinkOptions{}.grace;

  // Documents.
  collab::CollabOptions collab;

  // Security (DESIGN.md §5).
  std::string auth_secret;
  std::vector<std::string> allow_origins;
  std::vector<std::string> trusted_proxies;
  std::size_t max_connections_per_ip = 256;
  std::vector<std::string> allow_hosts;
  // Floods: how fast a connection and an address may send, and queue bounds.
  server::FloodLimits flood;
};

// One setting, reachable the same way from a flag (--key), the environment (TANDEM_KEY) and the
// config file (key = ...). Every source goes through the same parse function.
struct ConfigField {
  std::string_view key;
  std::string_view value_name;
  std::string_view help;
  // Sets the field from text; returns the problem when the text is not a valid value.
  std::function<std::optional<std::string>(ServeConfig&, std::string_view)> parse;
  std::function<std::string(const ServeConfig&)> format;
};

const std::vector<ConfigField>& serve_config_fields();

// "max-body-bytes" -> "TANDEM_MAX_BODY_BYTES".
std::string environment_name(std::string_view key);

// The effective configuration as a TOML file that would reproduce it (secrets masked).
std::string format_as_toml(const ServeConfig& config);

}  // namespace tandem::app
