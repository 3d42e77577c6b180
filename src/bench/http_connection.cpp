#include "bench/http_connection.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "bench/tcp_connect.hpp"

namespace tandem::bench {

namespace beast = boost::beast;
namespace http = beast::http;

HttpConnection::HttpConnection(LoopContext& loop, ServerTarget& server)
    : loop_(loop), server_(server), socket_(loop.io) {}

void HttpConnection::send(Request request, Done done) {
  request_ = std::move(request);
  request_.set(http::field::host, server_.target.host_header);
  request_.keep_alive(true);
  request_.prepare_payload();
  done_ = std::move(done);
  retried_ = false;
  if (connected_) {
    reused_ = true;
    write();
  } else {
    connect();
  }
}

void HttpConnection::connect() {
  reused_ = false;
  buffer_.clear();
  boost::system::error_code ignored;
  socket_.close(ignored);
  connect_from_next_source(server_, socket_,
                           [self = shared_from_this()](boost::system::error_code ec) {
                             if (self->closed_) return;
                             if (ec) return self->finish(connect_error_name(ec));
                             self->connected_ = true;
                             self->loop_.stats.connected.add();
                             self->write();
                           });
}

void HttpConnection::write() {
  http::async_write(socket_, request_,
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (self->closed_) return;
                      if (ec) return self->retry_or_finish("write_failed");
                      self->read();
                    });
}

void HttpConnection::read() {
  parser_.emplace();
  parser_->body_limit(std::uint64_t{256} << 20);
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     if (self->closed_) return;
                     if (ec) return self->retry_or_finish("read_failed");
                     if (!self->parser_->keep_alive()) self->connected_ = false;
                     self->finish("");
                   });
}

void HttpConnection::retry_or_finish(const std::string& error) {
  connected_ = false;
  // The server may close an idle keep-alive connection just as a request goes out.
  if (reused_ && !retried_) {
    retried_ = true;
    loop_.stats.reconnects.add();
    return connect();
  }
  finish(error);
}

void HttpConnection::finish(const std::string& error) {
  Response response;
  if (error.empty()) response = parser_->release();
  if (!connected_) {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }
  auto done = std::exchange(done_, {});
  if (done) done(error, response);
}

void HttpConnection::close() {
  closed_ = true;
  connected_ = false;
  // The callback holds its client, which holds this connection: a request cut short here never
  // calls it, so drop it now or the two keep each other alive (LeakSanitizer found it).
  done_ = {};
  boost::system::error_code ignored;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace tandem::bench
