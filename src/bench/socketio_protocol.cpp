#include "bench/socketio_protocol.hpp"

#include <charconv>

#include "bench/peer_json.hpp"

namespace tandem::bench {

namespace {

// The first element of an ack's or an event's argument list that is an object, or null.
const boost::json::object* argument(const boost::json::array& arguments, std::size_t index) {
  return index < arguments.size() ? arguments[index].if_object() : nullptr;
}

Result<SocketIoPacket, std::string> parse_socket_packet(std::string_view body) {
  SocketIoPacket packet;
  if (body.empty()) return std::string("empty Socket.IO packet");
  const char type = body.front();
  body.remove_prefix(1);
  // A namespace other than the main one ("/chat,") is not ours.
  if (!body.empty() && body.front() == '/') return std::string("namespace not joined");
  // Digits before the JSON are the ack id.
  std::size_t digits = 0;
  while (digits < body.size() && body[digits] >= '0' && body[digits] <= '9') ++digits;
  if (digits > 0) {
    std::uint64_t id = 0;
    if (digits > 15 || std::from_chars(body.data(), body.data() + digits, id).ec != std::errc{}) {
      return std::string("ack id out of range");
    }
    packet.ack_id = id;
    body.remove_prefix(digits);
  }
  switch (type) {
    case '0':
      packet.kind = SocketIoPacket::Kind::kConnected;
      return packet;
    case '1':
      packet.kind = SocketIoPacket::Kind::kClose;
      return packet;
    case '4':
      packet.kind = SocketIoPacket::Kind::kConnectError;
      return packet;
    case '2':
    case '3':
      break;
    default:
      return std::string("unknown Socket.IO packet type");
  }
  const SmallJson json(body);
  if (json.value() == nullptr) return json.error();
  const auto* arguments = json.value()->if_array();
  if (arguments == nullptr) return std::string("arguments are not an array");
  if (type == '3') {
    if (!packet.ack_id) return std::string("ack without an id");
    packet.kind = SocketIoPacket::Kind::kAck;
    if (const auto* answer = argument(*arguments, 0)) {
      packet.version = json_count(answer->if_contains("v"));
    }
    return packet;
  }
  if (arguments->empty() || !(*arguments)[0].is_string()) {
    return std::string("event without a name");
  }
  if ((*arguments)[0].get_string() != "op") return packet;  // another event: not ours
  const auto* op = argument(*arguments, 1);
  if (op == nullptr) return std::string("op event without an object");
  packet.kind = SocketIoPacket::Kind::kOp;
  packet.doc = json_string(*op, "doc");
  packet.version = json_count(op->if_contains("v"));
  packet.seq = json_count(op->if_contains("seq"));
  if (packet.doc.empty() || !packet.version) return std::string("op event without doc or v");
  return packet;
}

}  // namespace

Result<SocketIoPacket, std::string> parse_socketio_packet(std::string_view text) {
  if (text.empty()) return std::string("empty Engine.IO packet");
  SocketIoPacket packet;
  const char type = text.front();
  text.remove_prefix(1);
  switch (type) {
    case '0': {
      const SmallJson json(text);
      const auto* open = json.value() != nullptr ? json.value()->if_object() : nullptr;
      if (open == nullptr) return std::string("open packet is not a JSON object");
      packet.sid = json_string(*open, "sid");
      if (packet.sid.empty()) return std::string("open packet without a sid");
      packet.kind = SocketIoPacket::Kind::kOpen;
      return packet;
    }
    case '1':
      packet.kind = SocketIoPacket::Kind::kClose;
      return packet;
    case '2':
      packet.kind = SocketIoPacket::Kind::kPing;
      return packet;
    case '3':
    case '5':
    case '6':
      return packet;  // pong, upgrade, noop
    case '4':
      return parse_socket_packet(text);
    default:
      return std::string("unknown Engine.IO packet type");
  }
}

std::vector<std::string_view> split_polling_payload(std::string_view body) {
  std::vector<std::string_view> packets;
  for (;;) {
    const std::size_t end = body.find('\x1e');
    packets.push_back(body.substr(0, end));
    if (end == std::string_view::npos) break;
    body.remove_prefix(end + 1);
  }
  return packets;
}

std::string_view socketio_connect() { return "40"; }
std::string_view socketio_pong() { return "3"; }

std::string socketio_join(std::string_view doc, std::uint64_t ack_id) {
  return "42" + std::to_string(ack_id) + R"(["join",)" + json_quote(doc) + "]";
}

std::string socketio_submit(std::string_view doc, std::uint64_t seq, std::uint64_t position,
                            char letter, std::uint64_t ack_id) {
  return "42" + std::to_string(ack_id) + R"(["op",{"doc":)" + json_quote(doc) + R"(,"seq":)" +
         std::to_string(seq) + R"(,"op":)" + text_unicode_insert(position, letter) + "}]";
}

}  // namespace tandem::bench
