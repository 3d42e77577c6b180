#include "app/serve_command.hpp"

#include "app/data_directory.hpp"
#include "app/value_parsers.hpp"
#include "bus/in_process_bus.hpp"
#include "bus/redis_bus.hpp"
#include "collab/collaboration.hpp"
#include "server/access_control.hpp"
#include "server/document_routes.hpp"
#include "server/downlink_registry.hpp"
#include "server/event_loop_pool.hpp"
#include "server/health.hpp"
#include "server/http_server.hpp"
#include "server/http_transports.hpp"
#include "server/json_error.hpp"
#include "server/metrics_route.hpp"
#include "server/probe_route.hpp"
#include "server/proxy_signals.hpp"
#include "server/router.hpp"
#include "server/static_files.hpp"
#include "server/transport_metrics.hpp"
#include "server/websocket_session.hpp"
#include "store/pg_connection.hpp"
#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <sys/resource.h>

#include <csignal>
#include <exception>
#include <filesystem>
#include <thread>

namespace tandem::app {

namespace asio = boost::asio;
namespace http = server::http;

namespace {

std::filesystem::path default_static_dir() {
  std::error_code ec;
  const auto executable = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "web";
  return executable.parent_path() / "web";
}

std::size_t loop_count(std::size_t requested) {
  if (requested != 0) return requested;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

// The store's group-commit counters (StoreStats) for GET /metrics.
void append_store_metrics(const store::StoreStats& stats, std::string& out) {
  struct Counter {
    const char* name;
    const char* help;
    std::uint64_t value;
  };
  const Counter counters[] = {
      {"tandem_store_commits_total", "Transactions committed, one fsync each (group commit).",
       stats.batches_committed},
      {"tandem_store_failed_commits_total",
       "Transactions rolled back; every write in them was refused.", stats.batches_failed},
      {"tandem_store_writes_total", "Ops and snapshots made durable.", stats.writes_committed},
      {"tandem_store_refused_writes_total",
       "Writes refused as conflicts (a version or (client, seq) already stored).",
       stats.writes_refused},
      {"tandem_store_folds_total", "Recent ops moved into the indexed op log (docs/store.md).",
       stats.folds_committed},
      {"tandem_store_failed_folds_total",
       "Folds rolled back; their ops stayed in recent_ops, readable, for the next try.",
       stats.folds_failed},
  };
  for (const Counter& counter : counters) {
    fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n",
                   counter.name, counter.help, counter.value);
  }
  fmt::format_to(std::back_inserter(out),
                 "# HELP tandem_store_reachable 1 while the database answers (always 1 for "
                 "SQLite), 0 while submits are refused as retryable.\n"
                 "# TYPE tandem_store_reachable gauge\ntandem_store_reachable {}\n"
                 "# HELP tandem_store_outages_total Times the database stopped answering "
                 "(PostgreSQL).\n# TYPE tandem_store_outages_total counter\n"
                 "tandem_store_outages_total {}\n",
                 stats.reachable ? 1 : 0, stats.outages);
}

// Head checks of a cluster node (docs/scaling.md) for GET /metrics; nothing on a single node.
void append_head_check_metrics(const collab::HeadCheck* check, std::string& out) {
  if (check == nullptr) return;
  fmt::format_to(std::back_inserter(out),
                 "# HELP tandem_cluster_head_checks_total Comparisons of the documents served "
                 "with their heads in the shared store.\n"
                 "# TYPE tandem_cluster_head_checks_total counter\n"
                 "tandem_cluster_head_checks_total {}\n"
                 "# HELP tandem_cluster_documents_behind_total Documents a head check found "
                 "behind the store: their ops had not arrived over the bus.\n"
                 "# TYPE tandem_cluster_documents_behind_total counter\n"
                 "tandem_cluster_documents_behind_total {}\n",
                 check->checks(), check->behind());
}

// The bus's counters (BusStats) for GET /metrics; a node alone reports a connected, idle bus.
void append_bus_metrics(const bus::BusStats& stats, std::string& out) {
  struct Metric {
    const char* name;
    const char* type;
    const char* help;
    std::uint64_t value;
  };
  const Metric metrics[] = {
      {"tandem_bus_connected", "gauge",
       "1 while the bus reaches its broker (Redis), 0 while publications are dropped.",
       stats.connected ? 1u : 0u},
      {"tandem_bus_published_total", "counter", "Messages handed to the broker.", stats.published},
      {"tandem_bus_publish_dropped_total", "counter",
       "Messages dropped because the broker was unreachable or too far behind.",
       stats.publish_dropped},
      {"tandem_bus_received_total", "counter", "Messages from other nodes delivered here.",
       stats.received},
      {"tandem_bus_disconnects_total", "counter", "Times the connection to the broker was lost.",
       stats.disconnects},
      {"tandem_bus_reconnects_total", "counter",
       "Times the bus came back after an outage (each one triggers a check of heads).",
       stats.reconnects},
      {"tandem_bus_subscribed_topics", "gauge", "Documents this node listens to on the bus.",
       stats.subscribed_topics},
  };
  for (const Metric& metric : metrics) {
    fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n",
                   metric.name, metric.help, metric.type, metric.value);
  }
}

// Every connection costs a descriptor: take all the kernel allows this process (the soft
// limit is often 1024 while the hard one is far higher).
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const rlim_t before = limit.rlim_cur;
  // RLIM_INFINITY is above the kernel's nr_open; a million is within its default.
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? rlim_t{1} << 20 : limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    spdlog::info("raised the open-file limit from {} to {}", before, limit.rlim_cur);
  }
}

}  // namespace

int run_serve(const ServeConfig& config) {
  raise_descriptor_limit();
  // Signals are taken over before anything starts, so an early SIGTERM still drains cleanly.
  asio::io_context control;
  asio::signal_set signals(control, SIGINT, SIGTERM);

  std::unique_ptr<DataDirectory> data;
  std::unique_ptr<server::AccessControl> access;
  try {
    data = std::make_unique<DataDirectory>(config.data_dir);
    access = std::make_unique<server::AccessControl>(server::AccessControlOptions{
        config.auth_secret, config.allow_origins, config.trusted_proxies,
        config.max_connections_per_ip, config.allow_hosts, config.listen.address().is_loopback()});
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  std::unique_ptr<store::DocumentStore> document_store;
  std::function<store::StoreStats()> store_stats;
  store::PgStore* pg_store = nullptr;  // set when the store is PostgreSQL (readiness)
  if (config.store.empty()) {
    auto opened =
        store::SqliteStore::open(store::SqliteStoreOptions{(data->path() / "tandem.db").string()});
    if (!opened.ok()) {
      spdlog::error("cannot open the store: {}", opened.error().message);
      return 1;
    }
    store_stats = [sqlite = opened.value().get()] { return sqlite->stats(); };
    document_store = std::move(opened.value());
  } else {
    auto opened = store::PgStore::open(store::PgStoreOptions{config.store});
    if (!opened.ok()) {
      spdlog::error("cannot open the store: {}", opened.error().message);
      return 1;
    }
    spdlog::info("store: PostgreSQL at {}", store::redact_url(config.store));
    pg_store = opened.value().get();
    store_stats = [pg_store] { return pg_store->stats(); };
    document_store = std::move(opened.value());
  }

  // DESIGN.md §9: a node alone has a hub of one end (it hears nobody); the nodes of a cluster
  // hear each other through Redis, which may be down now: the node serves anyway.
  std::shared_ptr<bus::InProcessHub> bus_hub;  // kept alive for the node alone's end
  std::unique_ptr<bus::Bus> node_bus;
  if (config.bus.empty()) {
    bus_hub = bus::InProcessHub::create();
    node_bus = bus_hub->attach();
  } else {
    auto opened = bus::RedisBus::open(bus::RedisBusOptions{config.bus, config.bus_prefix});
    if (!opened.ok()) {
      spdlog::error("cannot open the bus: {}", opened.error());
      document_store->close();
      return 1;
    }
    node_bus = std::move(opened).value();
  }

  server::EventLoopPool loops(loop_count(config.threads));
  std::vector<asio::io_context*> loop_contexts;
  for (std::size_t i = 0; i < loops.size(); ++i) loop_contexts.push_back(&loops.loop(i));
  loops.start();
  // Declared before every connection's owner, so it outlives them all.
  server::WritePacers pacers(loop_contexts, config.fanout_interval);

  collab::Collaboration collaboration(loop_contexts, *document_store, *node_bus, config.collab);
  collaboration.start();

  server::Readiness readiness;
  readiness.add_check("data_dir", [&data] { return data->problem(); });
  // DESIGN.md §9: an unreachable database means not ready (clients keep their outbox).
  if (pg_store != nullptr) {
    readiness.add_check("store", [pg_store] { return pg_store->problem(); });
  }

  const auto static_dir = config.static_dir.empty() ? default_static_dir() : config.static_dir;
  if (!std::filesystem::is_directory(static_dir)) {
    spdlog::warn("static directory {} does not exist; the demo page will answer 404",
                 static_dir.string());
  }
  const server::StaticFiles static_files(static_dir);

  server::ProtocolConfig protocol;
  protocol.max_docs = config.max_docs_per_connection;
  protocol.heartbeat = config.heartbeat;
  protocol.limits.max_message_bytes = config.max_message_bytes;
  protocol.limits.op = config.collab.ot_limits;
  protocol.max_op_bytes = config.collab.ot_limits.max_inserted_bytes;
  protocol.server_name = std::string("tandem/") + TANDEM_VERSION;
  protocol.flood = config.flood;
  server::AddressLimiters address_limiters(config.flood);
  protocol.per_address = &address_limiters;
  server::WebSocketOptions websocket_options;
  websocket_options.permessage_deflate = config.ws_deflate;
  websocket_options.max_outbound_bytes = config.max_outbound_bytes;
  websocket_options.dead_peer_timeout = config.dead_peer_timeout;
  if (config.test_websocket_upgrade != "accept") {
    websocket_options.upgrade_test_mode = config.test_websocket_upgrade == "refuse"
                                              ? server::UpgradeTestMode::refuse
                                              : server::UpgradeTestMode::hang;
    spdlog::warn("test-websocket-upgrade = {}: WebSocket is broken on purpose (tests only)",
                 config.test_websocket_upgrade);
  }
  server::TransportMetrics transport_metrics;
  server::ProxySignals proxy_signals(transport_metrics);
  server::WebSocketEnvironment websocket{
      collaboration,
      protocol,
      websocket_options,
      [&access](const std::optional<std::string>& token) { return access->authorize(token); },
      transport_metrics,
      pacers};

  server::DownlinkRegistry downlinks(
      loop_contexts, collaboration, protocol,
      server::DownlinkOptions{config.downlink_grace, config.max_outbound_bytes}, pacers);
  downlinks.start();
  server::HttpTransportEnvironment http_transports{
      loop_contexts, collaboration,          protocol,          downlinks,
      *access,       config.http_transports, transport_metrics, proxy_signals};

  server::Router router;
  server::add_health_routes(router, readiness);
  server::add_http_transport_routes(router, http_transports);
  router.add_upgrade(server::websocket_route(
      websocket, [&access, &transport_metrics](const server::Request& request,
                                               const server::RequestContext& context) {
        auto admitted = access->admit(request, context);
        if (std::holds_alternative<server::Response>(admitted) &&
            !access->origin_allowed(request, context.remote.address())) {
          transport_metrics.origin_refused(proto::Transport::kWebSocket);
        }
        return admitted;
      }));
  // A plain GET on the WebSocket endpoint means something in between dropped the upgrade.
  router.add(http::verb::get, "/v1/ws",
             [&proxy_signals](const server::Request& request, const server::RequestContext&) {
               return server::finish_response(request, proxy_signals.upgrade_missing(request));
             });
  server::add_probe_route(router);
  // Created below, after the routes; /metrics is only asked once it listens.
  std::unique_ptr<server::HttpServer> http_server;
  server::add_metrics_route(
      router, {[&transport_metrics](std::string& out) { transport_metrics.append_prometheus(out); },
               [&http_server](std::string& out) {
                 if (http_server) http_server->append_prometheus(out);
               },
               [&store_stats](std::string& out) { append_store_metrics(store_stats(), out); },
               [&collaboration](std::string& out) {
                 append_head_check_metrics(collaboration.head_check(), out);
               },
               [&node_bus](std::string& out) { append_bus_metrics(node_bus->stats(), out); },
               [&address_limiters](std::string& out) {
                 address_limiters.counters.append_prometheus(out);
               }});
  server::add_document_routes(router, collaboration, [&access](const server::Request& request) {
    return access->authorize(request);
  });
  // A shared document link, /d/NAME, opens the demo page; the page reads NAME from the URL.
  router.add_prefix(http::verb::get, "/d/",
                    [&static_files](const server::Request& request, const server::RequestContext&) {
                      return static_files.serve(request, "/index.html");
                    });
  router.add_prefix(
      http::verb::get, "/",
      [&static_files](const server::Request& request, const server::RequestContext& context) {
        return static_files.handle(request, context);
      });

  http_server = std::make_unique<server::HttpServer>(
      server::HttpServerOptions{
          config.listen, config.http,
          [&access](const server::Request& request, const asio::ip::address& peer) {
            return access->client_address(request, peer);
          },
          [&access](const server::Request& head) { return access->screen_host(head); },
          config.max_connections_per_ip,
          [&access](const asio::ip::address& peer) { return access->trusts_proxy(peer); }},
      router, loops);
  try {
    http_server->start();
  } catch (const boost::system::system_error& e) {
    spdlog::error("cannot listen on {}: {}", format_endpoint(config.listen), e.code().message());
    http_server.reset();
    downlinks.stop();
    document_store->close();
    collaboration.stop();
    node_bus->close();
    return 1;
  }
  if (!access->checks_host() && config.allow_hosts.empty()) {
    spdlog::warn(
        "not on loopback and no --allow-host: any Host header is answered; name the public host "
        "(--allow-host notes.example.com) to refuse DNS-rebinding requests");
  }
  spdlog::info("listening on http://{} (data {}, static {}, {} event loops)",
               format_endpoint(http_server->local_endpoint()), config.data_dir.string(),
               static_dir.string(), loops.size());

  asio::steady_timer deadline(control);
  auto force_close = [&] {
    spdlog::warn("closing {} connection(s) still open", http_server->open_connections());
    http_server->force_close();
  };
  signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    spdlog::info("received signal {}, draining for up to {} ms", signal_number,
                 config.shutdown_timeout.count());
    readiness.set_draining();
    http_server->begin_shutdown(
        [&control] { asio::post(control, [&control] { control.stop(); }); });
    // Held polls are answered now (empty) instead of at the end of their hold.
    downlinks.stop();
    deadline.expires_after(config.shutdown_timeout);
    deadline.async_wait([&](const boost::system::error_code& wait_ec) {
      if (!wait_ec) force_close();
    });
    // A second signal means "now".
    signals.async_wait([&](const boost::system::error_code& again_ec, int) {
      if (!again_ec) force_close();
    });
  });
  control.run();

  // Connections are gone: ops already being applied are made durable, the ones still queued
  // are refused (their authors left and resend them), and only then does the store close.
  http_server.reset();
  downlinks.stop();
  if (!collaboration.drain(config.shutdown_timeout)) {
    spdlog::warn("documents still had ops in flight after {} ms; closing the store anyway",
                 config.shutdown_timeout.count());
  }
  document_store->close();
  collaboration.stop();
  // After the documents: nothing publishes or listens any more.
  node_bus->close();
  loops.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace tandem::app
