// The peers' parsers (ShareDB messages, Engine.IO/Socket.IO packets, polling bodies) never
// crash, and what they accept is self-consistent: kinds carry the fields the clients rely on,
// and a polling body splits into pieces that join back into it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bench/sharedb_protocol.hpp"
#include "bench/socketio_protocol.hpp"
#include "fuzz_require.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using tandem::bench::ShareDbMessage;
  using tandem::bench::SocketIoPacket;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto message = tandem::bench::parse_sharedb_message(input)) {
    switch (message->kind) {
      case ShareDbMessage::Kind::kSnapshot:
        require(message->version.has_value());
        break;
      case ShareDbMessage::Kind::kOp:
      case ShareDbMessage::Kind::kAck:
        require(message->version.has_value() && !message->doc.empty());
        break;
      case ShareDbMessage::Kind::kError:
        require(!message->error_code.empty());
        break;
      default:
        break;
    }
  }

  std::string joined;
  const auto pieces = tandem::bench::split_polling_payload(input);
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const std::string_view piece = pieces[i];
    if (i > 0) joined.push_back('\x1e');
    joined.append(piece);
    if (auto packet = tandem::bench::parse_socketio_packet(piece)) {
      switch (packet->kind) {
        case SocketIoPacket::Kind::kOpen:
          require(!packet->sid.empty());
          break;
        case SocketIoPacket::Kind::kAck:
          require(packet->ack_id.has_value());
          break;
        case SocketIoPacket::Kind::kOp:
          require(packet->version.has_value() && !packet->doc.empty());
          break;
        default:
          break;
      }
    }
  }
  require(joined == input);
  return 0;
}
