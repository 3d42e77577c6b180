#pragma once

#include "server/connection_tracker.hpp"
#include "server/event_loop_pool.hpp"
#include "server/http_limits.hpp"
#include "server/http_session.hpp"
#include "server/router.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <vector>

namespace tandem::server {

struct HttpServerOptions {
  boost::asio::ip::tcp::endpoint listen;
  HttpLimits limits;
  ClientAddressResolver resolve_client;
};

// Accepts connections on one loop and hands each to the next loop in turn; every session then
// lives on the loop it was given.
class HttpServer {
 public:
  // The loops must run for as long as the server has connections.
  HttpServer(HttpServerOptions options, const Router& router, EventLoopPool& loops);
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the loops. Throws boost::system::system_error when the address is
  // unusable.
  void start();
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  // Stops accepting and closes idle connections; on_drained runs once the rest have answered.
  void begin_shutdown(std::function<void()> on_drained);
  // Closes every connection now, whatever it is doing (the shutdown deadline has passed).
  void force_close();

  std::size_t open_connections() const { return tracker_.open(); }

 private:
  void do_accept();
  void on_accept(std::size_t loop, boost::beast::error_code ec,
                 boost::asio::ip::tcp::socket socket);
  void for_each_connection(void (Connection::*action)());

  HttpServerOptions options_;
  EventLoopPool& loops_;
  ConnectionTracker tracker_;
  SessionEnvironment environment_;
  std::vector<std::unique_ptr<LoopConnections>> connections_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;
};

}  // namespace tandem::server
