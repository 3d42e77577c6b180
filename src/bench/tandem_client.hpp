#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bench/bench_client.hpp"
#include "bench/frame_scanner.hpp"

namespace tandem::bench {

// The Tandem dialect: protocol v1 messages (docs/protocol.md), skimmed with the frame scanner
// and, on probe clients, checked against the full codec. Its transports (WebSocket, SSE,
// long-poll) derive from it and only move bytes.
class TandemClient : public BenchClient {
 public:
  TandemClient(LoopContext& loop, ClientPlan plan);

 protected:
  // Sends one encoded client "op" message with this seq.
  virtual void send_message(std::string message, std::uint64_t seq) = 0;
  void send_op(const TypingOp& op) final;

  // A frame or message body from the downlink; `count` false when the transport counts its
  // downlink writes itself (SSE: socket reads, not events).
  void handle_frame(std::string_view frame, bool count = true);
  // What the downlink URL subscribes to: DOC@V once the client has a version, else DOC.
  std::string subscription() const;

 private:
  void handle_message(const ScannedMessage& message, std::int64_t now);
  void handle_snapshot(const ScannedMessage& message);
  void handle_error(const ScannedMessage& message);
  void check_with_codec(const ScannedMessage& message);
};

}  // namespace tandem::bench
