#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <functional>
#include <memory>

namespace tandem::server {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using ResponseGenerator = http::message_generator;

// What a handler knows about the connection a request came in on.
struct RequestContext {
  boost::asio::ip::tcp::endpoint remote;
  // The client's address: the peer, or what a trusted proxy in front says it is.
  boost::asio::ip::address client;
  // The event loop the connection lives on.
  std::size_t loop = 0;
  // True once the server is shutting down: handlers answer, the connection then closes.
  bool draining = false;
};

// Sends a handler's answer. Call exactly once, from any thread; it is carried back to the
// connection's loop. A connection that has gone away ignores it.
class Responder {
 public:
  using PeerGone = std::function<void()>;

  explicit Responder(std::function<void(ResponseGenerator)> send,
                     std::function<void(PeerGone)> watch = {})
      : send_(std::move(send)), watch_(std::move(watch)) {}
  void operator()(ResponseGenerator response) const { send_(std::move(response)); }
  void operator()(Response&& response) const { send_(ResponseGenerator(std::move(response))); }
  // For an answer that may take long (a held poll): `gone` runs, on the connection's loop, if
  // the client closes the connection before the answer is sent. Call at most once.
  void on_peer_gone(PeerGone gone) const {
    if (watch_) watch_(std::move(gone));
  }

 private:
  std::function<void(ResponseGenerator)> send_;
  std::function<void(PeerGone)> watch_;
};

}  // namespace tandem::server
