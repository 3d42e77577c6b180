#include "server/websocket_session.hpp"

#include "proto/decode_client.hpp"
#include "server/access_control.hpp"
#include "server/hung_upgrade.hpp"
#include "server/json_error.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <utility>

namespace tandem::server {

namespace beast = boost::beast;
namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;

namespace {

constexpr std::string_view kSubprotocol = "tandem.v1";
constexpr auto kCloseGrace = std::chrono::seconds(5);
// Messages are read in pieces of at most this, so one over the limit is seen before it is held.
constexpr std::size_t kReadChunk = std::size_t{64} << 10;

// True when the comma-separated Sec-WebSocket-Protocol list names ours.
bool offers_subprotocol(std::string_view offered) {
  while (!offered.empty()) {
    const auto comma = offered.find(',');
    std::string_view item = offered.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == kSubprotocol) return true;
    if (comma == std::string_view::npos) break;
    offered.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

WebSocketSession::WebSocketSession(UpgradeRequest&& upgrade, WebSocketEnvironment& environment)
    : ws_(std::move(upgrade.stream)),
      upgrade_request_(std::move(upgrade.request)),
      context_(upgrade.context),
      registration_(upgrade.connections, this),
      ticket_(std::move(upgrade.ticket)),
      environment_(environment),
      close_deadline_(ws_.get_executor()) {
  environment_.metrics.opened(proto::Transport::kWebSocket);
}

WebSocketSession::~WebSocketSession() {
  if (session_) session_->detach();
  environment_.metrics.closed(proto::Transport::kWebSocket);
}

void WebSocketSession::start() {
  const WebSocketOptions& options = environment_.options;
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = options.handshake_timeout;
  timeouts.idle_timeout = options.dead_peer_timeout;
  timeouts.keep_alive_pings = true;  // a ping at half the idle time finds dead peers
  ws_.set_option(timeouts);
  if (options.permessage_deflate) {
    websocket::permessage_deflate deflate;
    deflate.server_enable = true;
    // Typing-sized frames are not worth compressing; snapshots and batches are.
    deflate.msg_size_threshold = 256;
    ws_.set_option(deflate);
  }
  // No limit in Beast: on_read enforces max_message_bytes itself, because Beast's own refusal
  // closes the socket with the peer's data unread, and the kernel then resets the connection
  // before the peer has read the 1009 close.
  ws_.read_message_max(0);
  const bool wants_subprotocol =
      offers_subprotocol(upgrade_request_[http::field::sec_websocket_protocol]);
  ws_.set_option(
      websocket::stream_base::decorator([wants_subprotocol](websocket::response_type& response) {
        response.set(http::field::server, "tandem");
        if (wants_subprotocol) response.set(http::field::sec_websocket_protocol, kSubprotocol);
      }));
  ws_.async_accept(upgrade_request_,
                   [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void WebSocketSession::on_accept(beast::error_code ec) {
  if (ec) {
    spdlog::debug("websocket handshake with {} failed: {}", context_.remote.address().to_string(),
                  ec.message());
    return teardown();
  }
  upgrade_token_ = bearer_token(upgrade_request_);  // for a hello without a token
  upgrade_request_ = {};                            // not needed any more
  do_read();
}

void WebSocketSession::do_read() {
  const std::size_t limit = environment_.protocol.limits.max_message_bytes;
  // One byte past the limit is enough to know the message is too big.
  const std::size_t room = limit + 1 - std::min(read_buffer_.size(), limit);
  ws_.async_read_some(
      read_buffer_, std::min(room, kReadChunk),
      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void WebSocketSession::on_read(beast::error_code ec, std::size_t) {
  if (ec) return teardown();
  if (read_buffer_.size() > environment_.protocol.limits.max_message_bytes) return on_too_big();
  if (!ws_.is_message_done()) return do_read();
  if (!ws_.got_text()) {
    read_buffer_.clear();
    if (session_) {
      session_->refuse(proto::make_error(proto::ErrorCode::kBadMessage,
                                         "binary frames are not part of the protocol"));
    }
  } else {
    const auto data = read_buffer_.cdata();
    on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
    read_buffer_.consume(read_buffer_.size());
  }
  if (!closing_ && !torn_down_) do_read();
}

void WebSocketSession::on_too_big() {
  spdlog::debug("websocket from {}: message over the size limit",
                context_.remote.address().to_string());
  read_buffer_.clear();
  read_buffer_.shrink_to_fit();
  // No more reads of ours: the close handshake reads and discards whatever the peer still
  // sends until its close answer, so the peer reads 1009 instead of meeting a reset.
  close_with(CloseCode::kTooBig, "message_too_large");
}

void WebSocketSession::on_message(std::string_view text) {
  auto decoded = proto::decode_client_message(text, environment_.protocol.limits);
  if (!decoded.ok()) {
    // A client id that breaks the rules is a bug in the client: nothing it sends can work.
    if (decoded.error().code == proto::ErrorCode::kBadClientId) {
      return fail(proto::to_error_message(std::move(decoded).error()));
    }
    if (session_) return session_->refuse(std::move(decoded).error());
    return send({}, standalone_frame(proto::to_error_message(std::move(decoded).error())));
  }
  proto::ClientMessage& message = decoded.value();
  if (!session_) {
    if (auto* hello = std::get_if<proto::Hello>(&message)) return on_hello(*hello);
    if (auto* ping = std::get_if<proto::Ping>(&message)) {
      return send({}, standalone_frame(proto::Pong{ping->id}));
    }
    return send({}, standalone_frame(proto::ErrorMessage{proto::ErrorCode::kHelloRequired,
                                                         "send hello first", std::nullopt,
                                                         std::nullopt, false}));
  }
  if (auto* hello = std::get_if<proto::Hello>(&message); hello && hello->token) {
    return on_renewal(*hello);
  }
  session_->handle(std::move(message));
}

void WebSocketSession::on_hello(proto::Hello& hello) {
  auto permissions = environment_.authorize(hello.token ? hello.token : upgrade_token_);
  if (auto* refusal = std::get_if<proto::ErrorMessage>(&permissions)) return fail(*refusal);
  session_ = std::make_shared<ProtocolSession>(
      context_.loop, hello.client, environment_.collaboration, environment_.protocol,
      std::move(std::get<Permissions>(permissions)), this, context_.client);
  session_->start();
  send({}, session_->welcome_frame());
  environment_.metrics.hello(proto::Transport::kWebSocket,
                             hello.negotiation ? &*hello.negotiation : nullptr);
  if (hello.negotiation) {
    spdlog::debug("client {} from {} negotiated: {}", hello.client,
                  context_.remote.address().to_string(), hello.negotiation->json);
  }
}

void WebSocketSession::on_renewal(proto::Hello& hello) {
  // Another client id is the session's own refusal (bad_message); the token is not looked at.
  if (hello.client != session_->client()) return session_->handle(std::move(hello));
  auto permissions = environment_.authorize(hello.token);
  if (auto* refusal = std::get_if<proto::ErrorMessage>(&permissions)) return fail(*refusal);
  session_->renew(std::move(std::get<Permissions>(permissions)));
  // The welcome says the renewal took; subscriptions carry on without a gap.
  send({}, session_->welcome_frame());
}

void WebSocketSession::send(std::string_view, const collab::Frame& frame) {
  if (closing_ || torn_down_ || pending_close_) return;
  queued_bytes_ += frame.json->size();
  if (queued_bytes_ > environment_.options.max_outbound_bytes) {
    spdlog::warn("websocket client {} reads too slowly ({} bytes queued); disconnecting",
                 context_.remote.address().to_string(), queued_bytes_);
    queue_.clear();
    queued_bytes_ = 0;
    return close_with(CloseCode::kSlowReader, "slow_reader");
  }
  queue_.push_back(frame.json);
  if (frame.paced) return request_pace();
  urgent_queued_ = true;
  schedule_flush();
}

void WebSocketSession::request_pace() {
  if (pace_requested_ || flush_scheduled_ || writing_) return;
  pace_requested_ = true;
  environment_.pacers.on_loop(context_.loop).request(shared_from_this());
}

void WebSocketSession::paced_flush() {
  pace_requested_ = false;
  flush();
}

void WebSocketSession::fail(const proto::ErrorMessage& error) {
  proto::ErrorMessage fatal = error;
  fatal.fatal = true;
  send({}, standalone_frame(fatal));
  close_with(CloseCode::kPolicy, proto::error_code_name(error.code));
}

void WebSocketSession::schedule_flush() {
  if (writing_ || flush_scheduled_) return;
  flush_scheduled_ = true;
  // Writing at the end of this loop turn gathers every frame queued meanwhile into one write.
  asio::post(ws_.get_executor(), [self = shared_from_this()] {
    self->flush_scheduled_ = false;
    self->flush();
  });
}

void WebSocketSession::flush() {
  if (writing_ || torn_down_) return;
  if (queue_.empty()) {
    if (pending_close_ && !closing_) close_with(pending_close_->first, pending_close_->second);
    return;
  }
  writing_ = true;
  urgent_queued_ = false;
  ws_.text(true);
  auto done = [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->on_write(ec);
  };
  if (queue_.size() == 1) {
    writing_frames_.push_back(std::move(queue_.front()));
    queue_.clear();
    queued_bytes_ = 0;
    const std::string& bytes = *writing_frames_.front();
    return ws_.async_write(asio::buffer(bytes.data(), bytes.size()), std::move(done));
  }
  batch_.clear();
  batch_.reserve(queued_bytes_ + queue_.size() + 1);
  batch_.push_back('[');
  for (const collab::SharedText& frame : queue_) {
    if (batch_.size() > 1) batch_.push_back(',');
    batch_ += *frame;
  }
  batch_.push_back(']');
  queue_.clear();
  queued_bytes_ = 0;
  ws_.async_write(asio::buffer(batch_.data(), batch_.size()), std::move(done));
}

void WebSocketSession::on_write(beast::error_code ec) {
  writing_ = false;
  writing_frames_.clear();
  if (ec) return teardown();
  // Fan-out queued during the write waits for the next tick; an ack or a close does not.
  if (urgent_queued_ || pending_close_ || queue_.empty()) return flush();
  request_pace();
}

void WebSocketSession::close_with(CloseCode code, std::string_view reason) {
  if (closing_ || torn_down_) return;
  if (!pending_close_) {
    pending_close_.emplace(code, std::string(reason));
    // Whatever happens to the close handshake, the connection is gone by then.
    close_deadline_.expires_after(kCloseGrace);
    close_deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->teardown();
    });
  }
  // Frames queued before the close (an error explaining it) still go out first.
  if (writing_ || !queue_.empty()) return schedule_flush();
  closing_ = true;
  websocket::close_reason close_reason(static_cast<websocket::close_code>(pending_close_->first),
                                       pending_close_->second);
  ws_.async_close(close_reason, [self = shared_from_this()](beast::error_code) {
    // The read loop sees the peer's answer; a peer that never answers meets the deadline.
  });
}

void WebSocketSession::begin_shutdown() {
  close_with(CloseCode::kGoingAway, "server shutting down");
}

void WebSocketSession::force_close() { teardown(); }

void WebSocketSession::teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  close_deadline_.cancel();
  if (session_) session_->detach();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).close();
}

UpgradeRoute websocket_route(
    WebSocketEnvironment& environment,
    std::function<std::variant<Response, AdmissionTicket>(const Request&, const RequestContext&)>
        admit) {
  UpgradeRoute route;
  route.path = "/v1/ws";
  route.admit = [admit = std::move(admit), &environment](
                    const Request& request,
                    const RequestContext& context) -> std::variant<Response, AdmissionTicket> {
    if (environment.options.upgrade_test_mode == UpgradeTestMode::refuse) {
      return make_json_error(http::status::bad_request, "websocket_refused_for_test",
                             "test-websocket-upgrade = refuse", request.version(), false);
    }
    const std::string_view offered = request[http::field::sec_websocket_protocol];
    if (!offered.empty() && !offers_subprotocol(offered)) {
      return make_json_error(http::status::bad_request, "unsupported_subprotocol",
                             "this endpoint speaks the tandem.v1 subprotocol only",
                             request.version(), false);
    }
    return admit(request, context);
  };
  route.accept = [&environment](UpgradeRequest&& upgrade) {
    if (environment.options.upgrade_test_mode == UpgradeTestMode::hang) {
      std::make_shared<HungUpgrade>(std::move(upgrade))->start();
      return;
    }
    std::make_shared<WebSocketSession>(std::move(upgrade), environment)->start();
  };
  return route;
}

}  // namespace tandem::server
