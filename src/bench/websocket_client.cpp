#include "bench/websocket_client.hpp"

#include "proto/encode_client.hpp"

namespace tandem::bench {

WebSocketClient::WebSocketClient(LoopContext& loop, ClientPlan plan)
    : TandemClient(loop, std::move(plan)), connection_(loop, server()) {}

void WebSocketClient::open() {
  // Queued now, written as soon as the upgrade is through.
  connection_.send(proto::encode(proto::Hello{plan().client_id, std::nullopt, std::nullopt}));
  connection_.send(proto::encode(proto::Subscribe{plan().doc_id, std::nullopt}));
  connection_.open(shared_from_this(), "/v1/ws", "tandem.v1",
                   {.opened = [] {},
                    .message = [this](std::string_view frame) { handle_frame(frame); },
                    .failed = [this](const std::string& code) { fail(code); }});
}

void WebSocketClient::send_message(std::string message, std::uint64_t /*seq*/) {
  connection_.send(std::move(message));
}

void WebSocketClient::close() { connection_.close(); }

}  // namespace tandem::bench
