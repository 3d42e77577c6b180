#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>
#include <string>

#include "bench/bench_client.hpp"

namespace tandem::bench {

// A bench client on GET /v1/ws (subprotocol tandem.v1): hello and sub as text frames, then
// reads frames (one message or a JSON array of them) for as long as it runs. No
// permessage-deflate: the server sends small messages uncompressed anyway, and inflating in
// the generator would only cost the generator.
class WebSocketClient final : public BenchClient {
 public:
  WebSocketClient(LoopContext& loop, ClientPlan plan);

 protected:
  void open() override;
  void close() override;
  void send_op(std::string message, std::uint64_t seq) override;

 private:
  void on_connected();
  void on_handshake();
  void read_next();
  void enqueue(std::string message);
  void write_next();

  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  bool writing_ = false;
};

}  // namespace tandem::bench
