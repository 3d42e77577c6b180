#include "bench/websocket_connection.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "bench/tcp_connect.hpp"

namespace tandem::bench {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

WebSocketConnection::WebSocketConnection(LoopContext& loop, ServerTarget& server)
    : loop_(loop), server_(server), ws_(loop.io) {}

void WebSocketConnection::open(std::shared_ptr<void> owner, std::string path,
                               std::string subprotocol, Handlers handlers) {
  owner_ = std::move(owner);
  path_ = std::move(path);
  subprotocol_ = std::move(subprotocol);
  handlers_ = std::move(handlers);
  connect_from_next_source(server_, ws_.next_layer(),
                           [owner = owner_, this](boost::system::error_code ec) {
                             if (closed_) return;
                             if (ec) return handlers_.failed(connect_error_name(ec));
                             loop_.stats.connected.add();
                             handshake();
                           });
}

void WebSocketConnection::handshake() {
  if (!subprotocol_.empty()) {
    ws_.set_option(
        websocket::stream_base::decorator([protocol = subprotocol_](websocket::request_type& r) {
          r.set(beast::http::field::sec_websocket_protocol, protocol);
        }));
  }
  ws_.read_message_max(std::size_t{256} << 20);
  auto response = std::make_shared<websocket::response_type>();
  ws_.async_handshake(*response, server_.target.host_header, path_,
                      [owner = owner_, this, response](beast::error_code ec) {
                        if (closed_) return;
                        if (ec) {
                          const unsigned status = response->result_int();
                          return handlers_.failed(status != 0 && status != 101
                                                      ? "http_" + std::to_string(status)
                                                      : "handshake_failed");
                        }
                        ws_.text(true);
                        open_ = true;
                        handlers_.opened();
                        if (closed_) return;
                        write_next();
                        read_next();
                      });
}

void WebSocketConnection::read_next() {
  ws_.async_read(buffer_, [owner = owner_, this](beast::error_code ec, std::size_t) {
    if (closed_) return;
    if (ec) {
      if (ec == websocket::error::closed) {
        return handlers_.failed("closed_" + std::to_string(ws_.reason().code));
      }
      return handlers_.failed("read_failed");
    }
    const auto data = buffer_.cdata();
    handlers_.message(std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer_.consume(buffer_.size());
    if (!closed_) read_next();
  });
}

void WebSocketConnection::send(std::string message) {
  outbox_.push_back(std::move(message));
  write_next();
}

void WebSocketConnection::write_next() {
  if (!open_ || writing_ || closed_ || outbox_.empty()) return;
  writing_ = true;
  ws_.async_write(boost::asio::buffer(outbox_.front()),
                  [owner = owner_, this](beast::error_code ec, std::size_t) {
                    writing_ = false;
                    if (closed_) return;
                    if (ec) return handlers_.failed("write_failed");
                    outbox_.pop_front();
                    write_next();
                  });
}

void WebSocketConnection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  ws_.next_layer().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  ws_.next_layer().close(ignored);
  // The handlers point into the owner; pending operations still hold it until they complete.
  owner_.reset();
}

}  // namespace tandem::bench
