#pragma once

#include "server/connection_tracker.hpp"
#include "server/event_loop_pool.hpp"
#include "server/http_limits.hpp"
#include "server/http_session.hpp"
#include "server/router.hpp"
#include "server/security/connection_limiter.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tandem::server {

struct HttpServerOptions {
  boost::asio::ip::tcp::endpoint listen;
  HttpLimits limits;
  ClientAddressResolver resolve_client;
  HeadScreen screen_head;
  // Open TCP connections per peer address (IPv6: per /64), whatever they do; 0: no limit.
  std::size_t max_connections_per_ip = 0;
  // Peers the count above does not apply to (trusted proxies carry many clients each).
  std::function<bool(const boost::asio::ip::address& peer)> exempt_from_per_ip;
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
  // tandem_http_* counters in the Prometheus text format (docs/metrics.md).
  void append_prometheus(std::string& out) const;

 private:
  void do_accept();
  void on_accept(std::size_t loop, boost::beast::error_code ec,
                 boost::asio::ip::tcp::socket socket);
  void for_each_connection(void (Connection::*action)());
  void start_session(std::size_t loop, boost::asio::ip::tcp::socket socket);
  // Out of descriptors: sheds idle connections, lets one waiting connection in through the
  // reserve descriptor, and retries shortly instead of spinning on the error.
  void on_descriptors_exhausted();
  void shed_idle_connections();
  void reopen_reserve();
  void close_reserve();

  HttpServerOptions options_;
  EventLoopPool& loops_;
  ConnectionTracker tracker_;
  SessionEnvironment environment_;
  std::vector<std::unique_ptr<LoopConnections>> connections_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;
  security::ConnectionLimiter per_ip_;
  const std::string too_many_answer_;
  // Held open (on /dev/null) so that a server out of descriptors can still accept one.
  int reserve_fd_ = -1;
  std::chrono::steady_clock::time_point last_exhaustion_log_{};
  std::atomic<std::uint64_t> refused_per_ip_{0};
  std::atomic<std::uint64_t> descriptors_exhausted_{0};
  std::atomic<std::uint64_t> shed_{0};
};

}  // namespace tandem::server
