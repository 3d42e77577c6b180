#pragma once

#include "server/connection.hpp"
#include "server/http_limits.hpp"
#include "server/http_types.hpp"
#include "server/request_framing.hpp"
#include "server/router.hpp"
#include "server/security/connection_limiter.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace tandem::server {

// Refuses a request from its head alone (e.g. a Host not allowed); nullopt lets it through.
using HeadScreen = std::function<std::optional<HeadRefusal>(const Request& head)>;

using ClientAddressResolver = std::function<boost::asio::ip::address(
    const Request& request, const boost::asio::ip::address& peer)>;

// What every session of a server shares; outlives all of them.
struct SessionEnvironment {
  const Router& router;
  const HttpLimits& limits;
  ConnectionTracker& tracker;
  // Who the client is behind trusted proxies; the peer itself when empty.
  const ClientAddressResolver& resolve_client;
  // Runs on every request head, before any body is read or any route sees it; may be empty.
  const HeadScreen& screen_head;
};

// One HTTP/1.1 connection: reads requests under size and time limits, dispatches them to the
// router, writes the answers, and keeps the connection alive between requests.
//
// Lifetime: created on its loop by HttpServer, kept alive by its own pending operations, and
// destroyed on that loop once the socket is closed and the last handler has returned.
class HttpSession : public Connection, public std::enable_shared_from_this<HttpSession> {
 public:
  // `slot` is the connection's place in the per-address TCP count (none for exempt peers); it
  // goes with the connection when it is handed over (WebSocket, SSE).
  HttpSession(boost::asio::ip::tcp::socket socket, SessionEnvironment& environment,
              LoopConnections& connections,
              std::optional<security::ConnectionLimiter::Lease> slot = std::nullopt);
  ~HttpSession() override;

  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void start();
  // Idle connections close now; one with a request in progress closes after answering it.
  void begin_shutdown() override;
  void force_close() override;
  bool shed_if_idle(std::chrono::steady_clock::time_point opened_before) override;

 private:
  void wait_for_request();
  void on_first_bytes(boost::beast::error_code ec, std::size_t bytes);
  void read_header();
  // Feeds buffered bytes to the parser, reading more until the head is complete. Not
  // http::async_read_header: the raw head is needed to see obs-fold, which Beast unfolds.
  void parse_header();
  void on_header_bytes(boost::beast::error_code ec, std::size_t bytes);
  // Why the head just parsed is refused (framing, ambiguous headers, the server's screen).
  std::optional<HeadRefusal> screen_head(bool folded) const;
  void on_header(bool folded);
  void on_continue_sent(boost::beast::error_code ec);
  void read_body();
  void on_body(boost::beast::error_code ec);
  void handle_request();
  RequestContext context_for(const Request& request) const;
  // Hands the connection to an upgrade route (WebSocket); false when none takes it.
  bool try_upgrade();
  // Hands the connection over to `route` (admitted) or answers its refusal.
  void hand_over(const UpgradeRoute& route, Request request);
  // While a handler holds its answer: notices the client closing the connection meanwhile.
  void watch_peer(Responder::PeerGone gone);
  void on_peer_readable(boost::beast::error_code ec);
  void write(ResponseGenerator response);
  void on_write(bool keep_alive, boost::beast::error_code ec);
  // Answers a request the parser refused, then closes: the stream position is unknown.
  void reject(boost::beast::error_code ec);
  // Answers a refused head and closes: its body, if any, is never read.
  void refuse_head(HeadRefusal refusal);
  void close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  SessionEnvironment& environment_;
  ConnectionRegistration registration_;
  boost::asio::ip::tcp::endpoint remote_;
  std::optional<security::ConnectionLimiter::Lease> slot_;
  const std::chrono::steady_clock::time_point opened_ = std::chrono::steady_clock::now();
  // Request heads received complete on this connection.
  std::size_t heads_ = 0;
  // A complete head is being answered (handler, held poll, writing).
  bool answering_ = false;
  Responder::PeerGone peer_gone_;  // set while a held answer is being watched
  bool watching_peer_ = false;
  // Bytes of a request have arrived and it has not been answered yet.
  bool in_request_ = false;
  bool draining_ = false;
  bool closed_ = false;
  // The stream now belongs to an upgraded connection.
  bool upgraded_ = false;
};

}  // namespace tandem::server
