#include "app/serve_config.hpp"

#include "app/value_parsers.hpp"
#include "bus/redis_url.hpp"
#include "server/security/access_token.hpp"
#include "store/pg_connection.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace tandem::app {

namespace {

// Stores a successfully parsed value through `assign`, or hands the problem back.
template <typename T, typename Assign>
std::optional<std::string> store(Parsed<T> parsed, Assign assign) {
  if (auto* problem = std::get_if<std::string>(&parsed)) return *problem;
  assign(std::get<T>(parsed));
  return std::nullopt;
}

// Each helper takes `member`, a generic lambda returning a reference to the setting inside a
// (const or mutable) ServeConfig, so one line declares a setting of that kind.
template <typename Member>
ConfigField size_field(std::string_view key, std::string_view help, Member member) {
  return {key, "SIZE", help,
          [member](ServeConfig& c, std::string_view text) {
            return store(parse_size(text), [&](std::uint64_t v) { member(c) = v; });
          },
          [member](const ServeConfig& c) { return format_size(member(c)); }};
}

template <typename Member>
ConfigField count_field(std::string_view key, std::string_view help, Member member,
                        std::uint64_t max = UINT64_MAX) {
  return {key, "N", help,
          [member, max](ServeConfig& c, std::string_view text) -> std::optional<std::string> {
            auto parsed = parse_unsigned(text);
            if (auto* n = std::get_if<std::uint64_t>(&parsed); n && *n > max) {
              return "at most " + std::to_string(max);
            }
            return store(parsed, [&](std::uint64_t v) { member(c) = v; });
          },
          [member](const ServeConfig& c) { return std::to_string(member(c)); }};
}

template <typename Member>
ConfigField duration_field(std::string_view key, std::string_view help, Member member) {
  return {key, "DURATION", help,
          [member](ServeConfig& c, std::string_view text) {
            return store(parse_duration(text), [&](std::chrono::milliseconds v) { member(c) = v; });
          },
          [member](const ServeConfig& c) { return format_duration(member(c)); }};
}

template <typename Member>
ConfigField bool_field(std::string_view key, std::string_view help, Member member) {
  return {key, "true|false", help,
          [member](ServeConfig& c, std::string_view text) -> std::optional<std::string> {
            if (text == "true" || text == "1" || text == "yes") {
              member(c) = true;
            } else if (text == "false" || text == "0" || text == "no") {
              member(c) = false;
            } else {
              return "expected true or false, got \"" + std::string(text) + "\"";
            }
            return std::nullopt;
          },
          [member](const ServeConfig& c) { return std::string(member(c) ? "true" : "false"); }};
}

// A comma-separated list; repeated flags are not needed.
template <typename Member>
ConfigField list_field(std::string_view key, std::string_view value_name, std::string_view help,
                       Member member) {
  return {key, value_name, help,
          [member](ServeConfig& c, std::string_view text) -> std::optional<std::string> {
            std::vector<std::string> items;
            while (!text.empty()) {
              const auto comma = text.find(',');
              std::string_view item = text.substr(0, comma);
              while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) {
                item.remove_prefix(1);
              }
              while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) {
                item.remove_suffix(1);
              }
              if (!item.empty()) items.emplace_back(item);
              if (comma == std::string_view::npos) break;
              text.remove_prefix(comma + 1);
            }
            member(c) = std::move(items);
            return std::nullopt;
          },
          [member](const ServeConfig& c) {
            std::string joined;
            for (const std::string& item : member(c)) {
              if (!joined.empty()) joined += ",";
              joined += item;
            }
            return joined;
          }};
}

std::optional<std::string> parse_choice(std::string_view text,
                                        std::initializer_list<std::string_view> choices,
                                        std::string& out) {
  for (std::string_view choice : choices) {
    if (text == choice) {
      out = std::string(choice);
      return std::nullopt;
    }
  }
  std::string problem = "expected one of";
  for (std::string_view choice : choices) problem += " " + std::string(choice);
  return problem + ", got \"" + std::string(text) + "\"";
}

// A whole number of events per second (or minute) kept in a RateLimit; 0 means unlimited.
// `assign` also sets what follows from it (the burst of a rate without a burst setting).
template <typename Assign, typename Read>
ConfigField rate_field(std::string_view key, std::string_view help, Assign assign, Read read) {
  return {key, "N", help,
          [assign](ServeConfig& c, std::string_view text) {
            return store(parse_unsigned(text),
                         [&](std::uint64_t v) { assign(c, static_cast<double>(v)); });
          },
          [read](const ServeConfig& c) {
            return std::to_string(static_cast<std::uint64_t>(std::llround(read(c))));
          }};
}

// `path` is a member path such as http.max_body_bytes, which parentheses would break.
#define TANDEM_MEMBER(path) \
  [](auto& c) -> auto& { return c.path; }  // NOLINT(bugprone-macro-parentheses)

std::vector<ConfigField> make_fields() {
  std::vector<ConfigField> fields;
  fields.push_back(
      {"listen", "HOST:PORT",
       "Address to listen on; IPv6 as [::1]:8080, port 0 picks a free port. Stays on loopback "
       "unless you choose otherwise.",
       [](ServeConfig& c, std::string_view text) {
         return store(parse_endpoint(text),
                      [&](const boost::asio::ip::tcp::endpoint& v) { c.listen = v; });
       },
       [](const ServeConfig& c) { return format_endpoint(c.listen); }});
  fields.push_back({"data", "DIR",
                    "Directory of the document store; created if missing, locked while served.",
                    [](ServeConfig& c, std::string_view text) -> std::optional<std::string> {
                      if (text.empty()) return "expected a directory path";
                      c.data_dir = std::string(text);
                      return std::nullopt;
                    },
                    [](const ServeConfig& c) { return c.data_dir.string(); }});
  fields.push_back(
      {"store", "URL",
       "Where documents are stored: empty for SQLite under --data, or a PostgreSQL URL "
       "postgres://USER@HOST:PORT/DB (password from PGPASSWORD or ~/.pgpass, or in the URL).",
       [](ServeConfig& c, std::string_view text) -> std::optional<std::string> {
         if (!text.empty() && !text.starts_with("postgres://") &&
             !text.starts_with("postgresql://")) {
           return "expected a postgres:// or postgresql:// URL, or nothing for SQLite";
         }
         c.store = std::string(text);
         return std::nullopt;
       },
       // Without its password, like auth-secret: printed configs end up in logs and tickets.
       [](const ServeConfig& c) { return store::redact_url(c.store); }});
  fields.push_back(
      {"bus", "URL",
       "Cross-node notifications: empty for one node alone, or redis://HOST:PORT for a cluster "
       "sharing one store (redis://:PASSWORD@HOST:PORT sends AUTH). Redis may be down at start: "
       "the node serves anyway and connects when it comes up.",
       [](ServeConfig& c, std::string_view text) -> std::optional<std::string> {
         if (!text.empty()) {
           auto address = bus::parse_redis_url(text);
           if (!address.ok()) return address.error();
         }
         c.bus = std::string(text);
         return std::nullopt;
       },
       // Without its password, like store.
       [](const ServeConfig& c) { return bus::redact_redis_url(c.bus); }});
  fields.push_back(
      {"bus-prefix", "TEXT",
       "Put before every Redis channel name (a channel is prefix + document id), so deployments "
       "sharing one Redis do not hear each other.",
       [](ServeConfig& c, std::string_view text) -> std::optional<std::string> {
         if (text.size() > 64 || !std::all_of(text.begin(), text.end(),
                                              [](char ch) { return ch > ' ' && ch < 0x7F; })) {
           return "expected at most 64 printable ASCII characters without spaces";
         }
         c.bus_prefix = std::string(text);
         return std::nullopt;
       },
       [](const ServeConfig& c) { return c.bus_prefix; }});
  fields.push_back({"static-dir", "DIR",
                    "Directory of the demo page and client bundle (default: web/ next to the "
                    "tandem binary).",
                    [](ServeConfig& c, std::string_view text) -> std::optional<std::string> {
                      c.static_dir = std::string(text);
                      return std::nullopt;
                    },
                    [](const ServeConfig& c) { return c.static_dir.string(); }});
  fields.push_back(count_field("threads", "Event loops to run; 0 means one per core.",
                               TANDEM_MEMBER(threads), 256));
  fields.push_back({"log-format", "text|json",
                    "Log lines for people (text) or for log shippers (json, one object a line).",
                    [](ServeConfig& c, std::string_view text) {
                      std::string choice;
                      auto problem = parse_choice(text, {"text", "json"}, choice);
                      if (!problem) {
                        c.log_format = choice == "json" ? LogFormat::json : LogFormat::text;
                      }
                      return problem;
                    },
                    [](const ServeConfig& c) {
                      return std::string(c.log_format == LogFormat::json ? "json" : "text");
                    }});
  fields.push_back(
      {"log-level", "LEVEL", "Least severe level logged: trace, debug, info, warn, error.",
       [](ServeConfig& c, std::string_view text) {
         return parse_choice(text, {"trace", "debug", "info", "warn", "error"}, c.log_level);
       },
       [](const ServeConfig& c) { return c.log_level; }});
  fields.push_back(size_field("max-header-bytes",
                              "Largest request head (request line + headers); larger gets 431.",
                              TANDEM_MEMBER(http.max_header_bytes)));
  fields.push_back(size_field("max-body-bytes", "Largest request body; larger gets 413.",
                              TANDEM_MEMBER(http.max_body_bytes)));
  fields.push_back(duration_field(
      "header-timeout", "Time a client has from its first byte to the end of its headers.",
      TANDEM_MEMBER(http.header_timeout)));
  fields.push_back(duration_field("body-timeout",
                                  "Time allowed to receive a request body or to send a response.",
                                  TANDEM_MEMBER(http.body_timeout)));
  fields.push_back(duration_field("idle-timeout",
                                  "Time a keep-alive connection may wait for its next request.",
                                  TANDEM_MEMBER(http.idle_timeout)));
  fields.push_back(duration_field("shutdown-timeout",
                                  "On SIGTERM/SIGINT, how long requests in flight may take to "
                                  "finish before their connections are closed.",
                                  TANDEM_MEMBER(shutdown_timeout)));

  fields.push_back(size_field("max-message-bytes",
                              "Largest protocol message; a larger WebSocket message is closed "
                              "with 1009.",
                              TANDEM_MEMBER(max_message_bytes)));
  fields.push_back(count_field("max-docs-per-connection",
                               "Documents one connection may subscribe to at once.",
                               TANDEM_MEMBER(max_docs_per_connection)));
  fields.push_back(duration_field("heartbeat",
                                  "How often clients are told to ping (welcome.heartbeat_ms).",
                                  TANDEM_MEMBER(heartbeat)));
  fields.push_back(duration_field("dead-peer-timeout",
                                  "A WebSocket peer silent this long (no frame, no pong to the "
                                  "server's pings at half this time) is disconnected.",
                                  TANDEM_MEMBER(dead_peer_timeout)));
  fields.push_back(bool_field("ws-deflate", "Offer permessage-deflate on WebSocket.",
                              TANDEM_MEMBER(ws_deflate)));
  fields.push_back(duration_field("fanout-interval",
                                  "Under load, each event loop writes other clients' ops and "
                                  "presence at most once per interval, many per write (0: every "
                                  "loop turn). Acks never wait.",
                                  TANDEM_MEMBER(fanout_interval)));
  fields.push_back(size_field("max-outbound-bytes",
                              "Bytes queued for one slow connection before it is disconnected "
                              "(close code 4008).",
                              TANDEM_MEMBER(max_outbound_bytes)));

  fields.push_back(
      {"test-websocket-upgrade", "accept|refuse|hang",
       "Test only: answer every WebSocket upgrade normally, with 400, or never, to measure "
       "the client's fallback.",
       [](ServeConfig& c, std::string_view text) {
         return parse_choice(text, {"accept", "refuse", "hang"}, c.test_websocket_upgrade);
       },
       [](const ServeConfig& c) { return c.test_websocket_upgrade; }});

  fields.push_back(duration_field("poll-hold",
                                  "How long a long-poll with nothing to send is held; keep it "
                                  "below every proxy's read timeout.",
                                  TANDEM_MEMBER(http_transports.poll_hold)));
  fields.push_back(size_field("poll-max-bytes",
                              "Most bytes of messages in one poll answer (X-Tandem-More: 1 "
                              "when more wait).",
                              TANDEM_MEMBER(http_transports.poll_max_bytes)));
  fields.push_back(duration_field("sse-heartbeat", "Interval of SSE heartbeat comments.",
                                  TANDEM_MEMBER(http_transports.sse_heartbeat)));
  fields.push_back(duration_field("sse-max-lifetime",
                                  "An SSE stream is ended after this long; the browser reopens "
                                  "it and resumes.",
                                  TANDEM_MEMBER(http_transports.sse_max_lifetime)));
  fields.push_back(size_field("sse-max-bytes",
                              "An SSE stream is ended after this many bytes (for proxies that "
                              "cap response sizes).",
                              TANDEM_MEMBER(http_transports.sse_max_bytes)));
  fields.push_back(count_field("max-held-requests",
                               "Held polls and open SSE streams on this server; beyond it, "
                               "503 with Retry-After.",
                               TANDEM_MEMBER(http_transports.max_held)));
  fields.push_back(duration_field("downlink-grace",
                                  "How long an HTTP client's subscriptions are kept between its "
                                  "requests (correctness never depends on it).",
                                  TANDEM_MEMBER(downlink_grace)));
  fields.push_back(size_field("max-document-bytes",
                              "Largest document (UTF-8); an op that would exceed it is refused.",
                              TANDEM_MEMBER(collab.ot_limits.max_document_bytes)));
  fields.push_back(size_field("max-op-bytes", "Most UTF-8 bytes one op may insert.",
                              TANDEM_MEMBER(collab.ot_limits.max_inserted_bytes)));
  fields.push_back(count_field("history-window", "Recent ops each open document keeps in memory.",
                               TANDEM_MEMBER(collab.history_window)));
  fields.push_back(duration_field("history-release-after",
                                  "A document quiet this long drops its history window from "
                                  "memory (the store still has every op).",
                                  TANDEM_MEMBER(collab.history_release_after)));
  fields.push_back(count_field("snapshot-every", "Ops between two stored snapshots.",
                               TANDEM_MEMBER(collab.snapshot_every)));
  fields.push_back(
      {"retain-ops", "N",
       "Ops kept in the store behind the newest snapshot (0 keeps them all); "
       "clients older than that resync from a snapshot.",
       [](ServeConfig& c, std::string_view text) {
         return store(parse_unsigned(text), [&](std::uint64_t v) {
           c.collab.retain_ops = v == 0 ? std::nullopt : std::optional<std::uint64_t>(v);
         });
       },
       [](const ServeConfig& c) { return std::to_string(c.collab.retain_ops.value_or(0)); }});
  fields.push_back(duration_field("idle-unload",
                                  "A document with no subscriber is unloaded from memory after "
                                  "this long.",
                                  TANDEM_MEMBER(collab.idle_unload)));
  fields.push_back(duration_field("presence-interval",
                                  "Least time between two presence broadcasts of one client.",
                                  TANDEM_MEMBER(collab.presence_interval)));
  fields.push_back(duration_field("presence-ttl",
                                  "Presence of a client that sends nothing this long is dropped.",
                                  TANDEM_MEMBER(collab.presence_ttl)));
  fields.push_back(duration_field(
      "presence-node-ttl",
      "Cluster: presence heard from another node is dropped when that node stops repeating it "
      "for this long (it died); each node repeats its clients' presence every third of it.",
      TANDEM_MEMBER(collab.presence_node_ttl)));
  fields.push_back(duration_field(
      "head-check-interval",
      "Cluster: how often a node compares its documents with the store's heads, to catch ops "
      "whose bus message was lost (a node died between COMMIT and publishing).",
      TANDEM_MEMBER(collab.head_check_interval)));
  fields.push_back(
      duration_field("head-check-interval-without-bus",
                     "Cluster: the same while the bus is disconnected: delivery then relies on it.",
                     TANDEM_MEMBER(collab.head_check_interval_without_bus)));

  fields.push_back(
      {"auth-secret", "SECRET",
       "HS256 secret for access tokens (JWT); when set, every connection needs a "
       "token. Prefer TANDEM_AUTH_SECRET or the config file to a flag.",
       [](ServeConfig& c, std::string_view text) -> std::optional<std::string> {
         if (!text.empty()) {
           if (auto checked = server::security::check_token_secret(text); !checked.ok()) {
             return checked.error();
           }
         }
         c.auth_secret = std::string(text);
         return std::nullopt;
       },
       [](const ServeConfig& c) { return std::string(c.auth_secret.empty() ? "" : "(set)"); }});
  fields.push_back(list_field("allow-origin", "ORIGINS",
                              "Comma-separated origins (https://app.example.com) allowed besides "
                              "the server's own; * allows any (unsafe).",
                              TANDEM_MEMBER(allow_origins)));
  fields.push_back(list_field("allow-host", "HOSTS",
                              "Comma-separated Host names (name, name:port, *.name) the server "
                              "answers besides IP literals and localhost; * allows any.",
                              TANDEM_MEMBER(allow_hosts)));
  fields.push_back(list_field("trusted-proxy", "CIDRS",
                              "Comma-separated proxy addresses/CIDRs whose X-Forwarded-For and "
                              "Forwarded headers are believed.",
                              TANDEM_MEMBER(trusted_proxies)));
  fields.push_back(count_field("max-connections-per-ip",
                               "Open WebSockets and held requests per client address (0: no "
                               "limit).",
                               TANDEM_MEMBER(max_connections_per_ip)));

  fields.push_back(rate_field(
      "ops-per-second",
      "Ops one connection may submit per second on average (0: no limit); beyond it and its "
      "burst, rate_limited with retry_ms.",
      [](ServeConfig& c, double v) { c.flood.ops.per_second = v; },
      [](const ServeConfig& c) { return c.flood.ops.per_second; }));
  fields.push_back(rate_field(
      "ops-burst",
      "Ops one connection may submit at once after a quiet spell (a reconnect resending one "
      "op per document).",
      [](ServeConfig& c, double v) { c.flood.ops.burst = v; },
      [](const ServeConfig& c) { return c.flood.ops.burst; }));
  fields.push_back(rate_field(
      "ops-per-second-per-ip",
      "Ops per second from one client address over all its connections and HTTP requests "
      "(burst: twice that; 0: no limit). Users behind one NAT share it.",
      [](ServeConfig& c, double v) {
        c.flood.ops_per_ip = {v, 2 * v};
      },
      [](const ServeConfig& c) { return c.flood.ops_per_ip.per_second; }));
  fields.push_back(rate_field(
      "presence-per-second",
      "Presence updates one connection may send per second (burst: twice that; 0: no limit).",
      [](ServeConfig& c, double v) {
        c.flood.presence = {v, 2 * v};
      },
      [](const ServeConfig& c) { return c.flood.presence.per_second; }));
  fields.push_back(rate_field(
      "presence-per-second-per-ip",
      "Presence updates per second from one client address (burst: twice that; 0: no limit).",
      [](ServeConfig& c, double v) {
        c.flood.presence_per_ip = {v, 2 * v};
      },
      [](const ServeConfig& c) { return c.flood.presence_per_ip.per_second; }));
  fields.push_back(rate_field(
      "new-docs-per-minute-per-ip",
      "Documents one client address may create (first subscribe or op to an id the store does "
      "not have) per minute, all at once at most (0: no limit); beyond, too_many_new_docs.",
      [](ServeConfig& c, double v) {
        c.flood.new_docs_per_ip = {v / 60, v};
      },
      [](const ServeConfig& c) { return c.flood.new_docs_per_ip.per_second * 60; }));
  fields.push_back(count_field("max-pending-ops",
                               "Ops of one connection waiting to be applied; more are refused "
                               "(overloaded, retry_ms).",
                               TANDEM_MEMBER(flood.max_pending_submits)));
  fields.push_back(count_field("max-queued-ops-per-document",
                               "Ops waiting in one document's queue; more are refused "
                               "(overloaded, retry_ms).",
                               TANDEM_MEMBER(collab.max_queued_submits)));
  fields.push_back(count_field("max-refusals",
                               "Refused messages (rate_limited, overloaded) a connection may "
                               "collect, forgiven at a tenth of this a second, before it is "
                               "closed with a fatal rate_limited (0: never).",
                               TANDEM_MEMBER(flood.max_refusals)));
  return fields;
}

#undef TANDEM_MEMBER

std::string toml_quote(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return quoted + "\"";
}

}  // namespace

const std::vector<ConfigField>& serve_config_fields() {
  static const std::vector<ConfigField> fields = make_fields();
  return fields;
}

std::string environment_name(std::string_view key) {
  std::string name = "TANDEM_";
  for (char c : key) {
    name.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return name;
}

std::string format_as_toml(const ServeConfig& config) {
  std::string out;
  for (const ConfigField& field : serve_config_fields()) {
    out += std::string(field.key) + " = " + toml_quote(field.format(config)) + "\n";
  }
  return out;
}

}  // namespace tandem::app
