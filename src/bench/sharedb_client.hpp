#pragma once

#include <string>

#include "bench/bench_client.hpp"
#include "bench/websocket_connection.hpp"

namespace tandem::bench {

// A bench client for the ShareDB peer (bench/peers/sharedb): its JSON protocol over a
// WebSocket on "/", collection "docs", ot-text-unicode ops. See sharedb_protocol.hpp for the
// messages and their ordering quirks, which the reordering tolerance of BenchClient absorbs.
class ShareDbClient final : public BenchClient {
 public:
  ShareDbClient(LoopContext& loop, ClientPlan plan);

 protected:
  void open() override;
  void close() override;
  void send_op(const TypingOp& op) override;

 private:
  void handle_message(std::string_view text);

  WebSocketConnection connection_;
};

}  // namespace tandem::bench
