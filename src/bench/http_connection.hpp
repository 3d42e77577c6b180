#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bench/loop_context.hpp"

namespace tandem::bench {

// One keep-alive HTTP/1.1 connection making one request at a time (a poll downlink, or a POST
// uplink). Connects on first use and again after the server closed it; a request that fails
// on a reused connection is retried once on a fresh one, as browsers do.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;
  // error, the response (valid when there is no error)
  using Done = std::function<void(const std::string& error, Response& response)>;

  HttpConnection(LoopContext& loop, ServerTarget& server);

  void send(Request request, Done done);
  void close();

 private:
  void connect();
  void write();
  void read();
  void finish(const std::string& error);
  void retry_or_finish(const std::string& error);

  LoopContext& loop_;
  ServerTarget& server_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  Request request_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
  Done done_;
  bool connected_ = false;
  bool reused_ = false;  // the current request went out on a connection used before
  bool retried_ = false;
  bool closed_ = false;
};

}  // namespace tandem::bench
