#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/string_body.hpp>

namespace tandem::server {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using ResponseGenerator = http::message_generator;

// What a handler knows about the connection a request came in on.
struct RequestContext {
  boost::asio::ip::tcp::endpoint remote;
  // True once the server is shutting down: handlers answer, the connection then closes.
  bool draining = false;
};

}  // namespace tandem::server
