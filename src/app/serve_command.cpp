#include "app/serve_command.hpp"

#include "app/data_directory.hpp"
#include "app/value_parsers.hpp"
#include "server/health.hpp"
#include "server/http_server.hpp"
#include "server/router.hpp"
#include "server/static_files.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <csignal>
#include <exception>
#include <filesystem>

namespace tandem::app {

namespace asio = boost::asio;

namespace {

std::filesystem::path default_static_dir() {
  std::error_code ec;
  const auto executable = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "web";
  return executable.parent_path() / "web";
}

}  // namespace

int run_serve(const ServeConfig& config) {
  // Signals are taken over before anything starts, so an early SIGTERM still drains cleanly.
  asio::io_context control;
  asio::signal_set signals(control, SIGINT, SIGTERM);

  std::unique_ptr<DataDirectory> data;
  try {
    data = std::make_unique<DataDirectory>(config.data_dir);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }

  server::Readiness readiness;
  readiness.add_check("data_dir", [&data] { return data->problem(); });

  const auto static_dir = config.static_dir.empty() ? default_static_dir() : config.static_dir;
  if (!std::filesystem::is_directory(static_dir)) {
    spdlog::warn("static directory {} does not exist; the demo page will answer 404",
                 static_dir.string());
  }
  const server::StaticFiles static_files(static_dir);

  server::Router router;
  server::add_health_routes(router, readiness);
  router.add_prefix(
      server::http::verb::get, "/",
      [&static_files](const server::Request& request, const server::RequestContext& context) {
        return static_files.handle(request, context);
      });

  server::HttpServer http_server(
      server::HttpServerOptions{config.listen, config.threads, config.http}, router);
  try {
    http_server.start();
  } catch (const boost::system::system_error& e) {
    spdlog::error("cannot listen on {}: {}", format_endpoint(config.listen), e.code().message());
    return 1;
  }
  spdlog::info("listening on http://{} (data {}, static {})",
               format_endpoint(http_server.local_endpoint()), config.data_dir.string(),
               static_dir.string());

  asio::steady_timer deadline(control);
  auto force_close = [&] {
    spdlog::warn("closing {} connection(s) still open", http_server.open_connections());
    http_server.force_close();
  };
  signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    spdlog::info("received signal {}, draining for up to {} ms", signal_number,
                 config.shutdown_timeout.count());
    readiness.set_draining();
    http_server.begin_shutdown([&control] { asio::post(control, [&control] { control.stop(); }); });
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
  http_server.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace tandem::app
