#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace tandem::bench {

// Socket.IO 5 packets in Engine.IO 4 packets, as much as a load generator needs to drive the
// Socket.IO peer (bench/peers/socketio), on either of its transports:
//
//   WebSocket  GET /socket.io/?EIO=4&transport=websocket, one Engine.IO packet per message
//   polling    GET /socket.io/?EIO=4&transport=polling (answers the open packet), then
//              GET ...&sid=SID to receive and POST ...&sid=SID to send; a body holds one or
//              more packets separated by 0x1e
//
//   server 0{"sid":..,"pingInterval":..}  Engine.IO open
//   client 40                             Socket.IO connect to the main namespace
//   server 40{"sid":..}                   connected
//   client 420["join","DOC"]              join with ack id 0    -> server 430[{"v":V}]
//   client 42S["op",{"doc","seq","op"}]   op with ack id S      -> server 43S[{"v":V}]
//   server 42["op",{"doc","v","client","seq","op"}]               another client's op
//   server 2 (ping) -> client 3 (pong); server 1 or 41 closes; 44{...} refuses the connect
struct SocketIoPacket {
  enum class Kind : std::uint8_t {
    kOther,         // Engine.IO noop, upgrade probes, other events
    kOpen,          // Engine.IO open: sid, ping interval
    kPing,          // to be answered with a pong
    kClose,         // Engine.IO close or Socket.IO disconnect
    kConnected,     // Socket.IO connect accepted
    kConnectError,  // Socket.IO connect refused
    kOp,            // the "op" event: doc, version, seq
    kAck,           // an ack: ack id, version
  };
  Kind kind = Kind::kOther;
  std::string sid;  // kOpen
  std::optional<std::uint64_t> ack_id;
  std::string doc;
  std::optional<std::uint64_t> version;
  std::optional<std::uint64_t> seq;
};

// One Engine.IO packet (a WebSocket message, or one piece of a polling body); an error string
// when it is malformed.
Result<SocketIoPacket, std::string> parse_socketio_packet(std::string_view packet);

// A polling body split into its packets (views into `body`).
std::vector<std::string_view> split_polling_payload(std::string_view body);

std::string_view socketio_connect();
std::string_view socketio_pong();
std::string socketio_join(std::string_view doc, std::uint64_t ack_id);
std::string socketio_submit(std::string_view doc, std::uint64_t seq, std::uint64_t position,
                            char letter, std::uint64_t ack_id);

}  // namespace tandem::bench
