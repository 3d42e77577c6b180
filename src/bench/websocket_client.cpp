#include "bench/websocket_client.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "bench/tcp_connect.hpp"
#include "proto/encode_client.hpp"

namespace tandem::bench {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

WebSocketClient::WebSocketClient(LoopContext& loop, ClientPlan plan)
    : BenchClient(loop, std::move(plan)), ws_(loop.io) {}

void WebSocketClient::open() {
  connect_from_next_source(loop(), ws_.next_layer(),
                           [self = shared_from_this(), this](boost::system::error_code ec) {
                             if (stopped()) return;
                             if (ec) return fail(connect_error_name(ec));
                             loop().stats.connected.add();
                             on_connected();
                           });
}

void WebSocketClient::on_connected() {
  ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
    request.set(beast::http::field::sec_websocket_protocol, "tandem.v1");
  }));
  ws_.read_message_max(std::size_t{256} << 20);
  auto response = std::make_shared<websocket::response_type>();
  ws_.async_handshake(*response, loop().shared.target.host_header, "/v1/ws",
                      [self = shared_from_this(), this, response](beast::error_code ec) {
                        if (stopped()) return;
                        if (ec) {
                          const unsigned status = response->result_int();
                          return fail(status != 0 && status != 101
                                          ? "http_" + std::to_string(status)
                                          : "handshake_failed");
                        }
                        on_handshake();
                      });
}

void WebSocketClient::on_handshake() {
  ws_.text(true);
  enqueue(proto::encode(proto::Hello{plan().client_id, std::nullopt, std::nullopt}));
  enqueue(proto::encode(proto::Subscribe{plan().doc_id, std::nullopt}));
  read_next();
}

void WebSocketClient::read_next() {
  ws_.async_read(buffer_, [self = shared_from_this(), this](beast::error_code ec, std::size_t) {
    if (stopped()) return;
    if (ec) {
      if (ec == websocket::error::closed) {
        const auto& reason = ws_.reason();
        return fail("closed_" + std::to_string(reason.code));
      }
      return fail("read_failed");
    }
    const auto data = buffer_.cdata();
    handle_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer_.consume(buffer_.size());
    if (!stopped()) read_next();
  });
}

void WebSocketClient::send_op(std::string message, std::uint64_t /*seq*/) {
  enqueue(std::move(message));
}

void WebSocketClient::enqueue(std::string message) {
  outbox_.push_back(std::move(message));
  write_next();
}

void WebSocketClient::write_next() {
  if (writing_ || outbox_.empty()) return;
  writing_ = true;
  ws_.async_write(boost::asio::buffer(outbox_.front()),
                  [self = shared_from_this(), this](beast::error_code ec, std::size_t) {
                    writing_ = false;
                    if (stopped()) return;
                    if (ec) return fail("write_failed");
                    outbox_.pop_front();
                    write_next();
                  });
}

void WebSocketClient::close() {
  // An abrupt close: a clean WebSocket close of thousands of clients would only slow the end.
  boost::system::error_code ignored;
  ws_.next_layer().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  ws_.next_layer().close(ignored);
}

}  // namespace tandem::bench
