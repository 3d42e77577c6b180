#include "server/http_server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>

#include <chrono>
#include <future>
#include <system_error>
#include <utility>
#include <vector>

namespace tandem::server {

namespace asio = boost::asio;
using asio::ip::tcp;

HttpServer::HttpServer(HttpServerOptions options, const Router& router, EventLoopPool& loops)
    : options_(std::move(options)),
      loops_(loops),
      environment_{router, options_.limits, tracker_, options_.resolve_client},
      acceptor_(loops_.loop(0)),
      accept_retry_(loops_.loop(0)) {
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    connections_.push_back(std::make_unique<LoopConnections>(LoopConnections{i, &tracker_, {}}));
  }
}

HttpServer::~HttpServer() {
  if (!tracker_.draining()) begin_shutdown([] {});
  force_close();
  // The acceptor's and every connection's handlers, and the per-loop tasks posted above, refer
  // to this object: a barrier on every loop (posted after them) waits them out.
  // Twice: a task that ran before the first barrier may itself have queued a completion.
  for (int round = 0; round < 2; ++round) {
    std::vector<std::promise<void>> barriers(loops_.size());
    for (std::size_t i = 0; i < loops_.size(); ++i) {
      asio::post(loops_.loop(i), [&barrier = barriers[i]] { barrier.set_value(); });
    }
    for (auto& barrier : barriers) barrier.get_future().wait();
  }
  tracker_.wait_closed();
}

void HttpServer::start() {
  const tcp::endpoint& endpoint = options_.listen;
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  asio::post(acceptor_.get_executor(), [this] { do_accept(); });
}

tcp::endpoint HttpServer::local_endpoint() const { return acceptor_.local_endpoint(); }

void HttpServer::do_accept() {
  const std::size_t loop = loops_.next_index();
  acceptor_.async_accept(loops_.loop(loop),
                         [this, loop](boost::beast::error_code ec, tcp::socket socket) {
                           on_accept(loop, ec, std::move(socket));
                         });
}

void HttpServer::on_accept(std::size_t loop, boost::beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // Usually out of file descriptors: pause instead of spinning on the error.
    spdlog::warn("accept failed: {}", ec.message());
    accept_retry_.expires_after(std::chrono::milliseconds(100));
    accept_retry_.async_wait([this](boost::beast::error_code wait_ec) {
      if (!wait_ec) do_accept();
    });
    return;
  }
  boost::beast::error_code option_ec;
  socket.set_option(tcp::no_delay(true), option_ec);
  // The session is born on the loop that owns its socket and never leaves it.
  asio::post(loops_.loop(loop), [this, loop, socket = std::move(socket)]() mutable {
    std::make_shared<HttpSession>(std::move(socket), environment_, *connections_[loop])->start();
  });
  do_accept();
}

void HttpServer::for_each_connection(void (Connection::*action)()) {
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    asio::post(loops_.loop(i), [connections = connections_[i].get(), action] {
      // Copy first: an action may close a connection, and closing may erase it from the set.
      const auto open = connections->open;
      for (Connection* connection : open) {
        if (connections->open.contains(connection)) (connection->*action)();
      }
    });
  }
}

void HttpServer::begin_shutdown(std::function<void()> on_drained) {
  tracker_.begin_draining(std::move(on_drained));
  asio::post(acceptor_.get_executor(), [this] {
    boost::beast::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  for_each_connection(&Connection::begin_shutdown);
}

void HttpServer::force_close() { for_each_connection(&Connection::force_close); }

}  // namespace tandem::server
