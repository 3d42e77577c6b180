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
  explicit Responder(std::function<void(ResponseGenerator)> send) : send_(std::move(send)) {}
  void operator()(ResponseGenerator response) const { send_(std::move(response)); }
  void operator()(Response&& response) const { send_(ResponseGenerator(std::move(response))); }

 private:
  std::function<void(ResponseGenerator)> send_;
};

}  // namespace tandem::server
