#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench/bench_client.hpp"
#include "bench/http_connection.hpp"
#include "bench/socketio_protocol.hpp"
#include "bench/websocket_connection.hpp"

namespace tandem::bench {

// A bench client for the Socket.IO peer (bench/peers/socketio) on either of Socket.IO's
// transports: a WebSocket, or HTTP long-polling (a GET held for the downlink, a POST per batch
// of packets for the uplink, one of each at a time as Engine.IO requires). It connects, joins
// its document's room (the join's ack carries the version), submits ops with an ack id equal
// to their seq and follows the room's relayed ops. The peer numbers ops itself and relays them
// without transforming them, so every op is applied where it lands.
class SocketIoClient final : public BenchClient {
 public:
  SocketIoClient(LoopContext& loop, ClientPlan plan, bool polling);

 protected:
  void open() override;
  void close() override;
  void send_op(const TypingOp& op) override;

 private:
  void handle_packet(std::string_view text, std::int64_t now);
  void send_packet(std::string packet);
  // Polling: the handshake, the held GET and the POST queue.
  void poll_handshake();
  void poll();
  void post_next();
  std::string polling_path() const;
  // A polling answer to read on: false (counted under `what` + the error, or http_STATUS) when
  // the request failed, was refused, or the client stopped meanwhile.
  bool answered(const std::string& error, const HttpConnection::Response& response,
                std::string_view what);

  bool polling_;
  WebSocketConnection connection_;
  std::shared_ptr<HttpConnection> downlink_;
  std::shared_ptr<HttpConnection> uplink_;
  std::string sid_;  // Engine.IO session (polling)
  std::vector<std::string> outbox_;
  bool posting_ = false;
};

}  // namespace tandem::bench
