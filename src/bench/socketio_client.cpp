#include "bench/socketio_client.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

namespace tandem::bench {

namespace http = boost::beast::http;

namespace {
constexpr std::uint64_t kJoinAck = 0;  // ops use their seq (from 1) as ack id
}

SocketIoClient::SocketIoClient(LoopContext& loop, ClientPlan plan, bool polling)
    : BenchClient(loop, std::move(plan)), polling_(polling), connection_(loop, server()) {}

void SocketIoClient::open() {
  if (polling_) return poll_handshake();
  connection_.open(shared_from_this(), "/socket.io/?EIO=4&transport=websocket", "",
                   {.opened = [] {},
                    .message =
                        [this](std::string_view text) {
                          count_frame();
                          handle_packet(text, now_ns());
                        },
                    .failed = [this](const std::string& code) { fail(code); }});
}

void SocketIoClient::close() {
  connection_.close();
  if (downlink_) downlink_->close();
  if (uplink_) uplink_->close();
}

void SocketIoClient::send_op(const TypingOp& op) {
  send_packet(socketio_submit(plan().doc_id, op.seq, op.position, op.letter, op.seq));
}

void SocketIoClient::handle_packet(std::string_view text, std::int64_t now) {
  if (stopped()) return;
  auto packet = parse_socketio_packet(text);
  if (!packet) return fail("bad_frame");
  switch (packet->kind) {
    case SocketIoPacket::Kind::kOpen:
      // Polling learnt its sid from the handshake answer already.
      if (!polling_) send_packet(std::string(socketio_connect()));
      return;
    case SocketIoPacket::Kind::kConnected:
      return send_packet(socketio_join(plan().doc_id, kJoinAck));
    case SocketIoPacket::Kind::kPing:
      return send_packet(std::string(socketio_pong()));
    case SocketIoPacket::Kind::kAck:
      if (!packet->version) return fail("ack_without_version");
      // The document starts empty and every op inserts one letter: its length is its version.
      if (*packet->ack_id == kJoinAck) return snapshot_received(*packet->version, *packet->version);
      return op_received(*packet->version, true, packet->ack_id, now);
    case SocketIoPacket::Kind::kOp:
      if (packet->doc != plan().doc_id) return fail("unexpected_message");
      return op_received(*packet->version, false, packet->seq, now);
    case SocketIoPacket::Kind::kClose:
      return fail("closed_by_server");
    case SocketIoPacket::Kind::kConnectError:
      return fail("connect_refused_by_server");
    case SocketIoPacket::Kind::kOther:
      return;
  }
}

void SocketIoClient::send_packet(std::string packet) {
  if (!polling_) return connection_.send(std::move(packet));
  outbox_.push_back(std::move(packet));
  post_next();
}

bool SocketIoClient::answered(const std::string& error, const HttpConnection::Response& response,
                              std::string_view what) {
  if (stopped()) return false;
  if (!error.empty()) {
    fail(std::string(what) + error);
    return false;
  }
  if (response.result_int() != 200) {
    fail("http_" + std::to_string(response.result_int()));
    return false;
  }
  return true;
}

std::string SocketIoClient::polling_path() const {
  return "/socket.io/?EIO=4&transport=polling&sid=" + sid_;
}

void SocketIoClient::poll_handshake() {
  downlink_ = std::make_shared<HttpConnection>(loop(), server());
  uplink_ = std::make_shared<HttpConnection>(loop(), server());
  downlink_->send({http::verb::get, "/socket.io/?EIO=4&transport=polling", 11},
                  [self = shared_from_this(), this](const std::string& error,
                                                    HttpConnection::Response& response) {
                    if (!answered(error, response, "handshake_")) return;
                    const auto packets = split_polling_payload(response.body());
                    auto open = parse_socketio_packet(packets.front());
                    if (!open || open->kind != SocketIoPacket::Kind::kOpen)
                      return fail("bad_handshake");
                    sid_ = open->sid;
                    send_packet(std::string(socketio_connect()));
                    poll();
                  });
}

void SocketIoClient::poll() {
  if (stopped()) return;
  downlink_->send({http::verb::get, polling_path(), 11},
                  [self = shared_from_this(), this](const std::string& error,
                                                    HttpConnection::Response& response) {
                    // Engine.IO ends a session it no longer knows with 400: nothing to resume.
                    if (!answered(error, response, "poll_")) return;
                    count_frame();
                    const std::int64_t now = now_ns();
                    for (std::string_view packet : split_polling_payload(response.body())) {
                      handle_packet(packet, now);
                      if (stopped()) return;
                    }
                    poll();
                  });
}

void SocketIoClient::post_next() {
  if (posting_ || outbox_.empty() || stopped() || sid_.empty()) return;
  posting_ = true;
  HttpConnection::Request request{http::verb::post, polling_path(), 11};
  request.set(http::field::content_type, "text/plain;charset=UTF-8");
  // Everything queued goes in one body, as Engine.IO clients do.
  std::string body;
  for (const auto& packet : outbox_) {
    if (!body.empty()) body.push_back('\x1e');
    body += packet;
  }
  outbox_.clear();
  request.body() = std::move(body);
  uplink_->send(std::move(request),
                [self = shared_from_this(), this](const std::string& error,
                                                  HttpConnection::Response& response) {
                  posting_ = false;
                  if (stopped()) return;
                  if (!error.empty()) return fail("uplink_" + error);
                  if (response.result_int() != 200) {
                    return fail("uplink_http_" + std::to_string(response.result_int()));
                  }
                  post_next();
                });
}

}  // namespace tandem::bench
