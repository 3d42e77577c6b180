#pragma once

#include <string>

#include "bench/tandem_client.hpp"
#include "bench/websocket_connection.hpp"

namespace tandem::bench {

// A Tandem client on GET /v1/ws (subprotocol tandem.v1): hello and sub as text frames, then
// reads frames (one message or a JSON array of them) for as long as it runs.
class WebSocketClient final : public TandemClient {
 public:
  WebSocketClient(LoopContext& loop, ClientPlan plan);

 protected:
  void open() override;
  void close() override;
  void send_message(std::string message, std::uint64_t seq) override;

 private:
  WebSocketConnection connection_;
};

}  // namespace tandem::bench
