#pragma once

#include "server/connection.hpp"
#include "server/protocol_session.hpp"
#include "server/router.hpp"
#include "server/transport_metrics.hpp"
#include "server/write_pacer.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace tandem::server {

// Test-only behaviour of the upgrade, so browser tests can measure the client's fallback.
enum class UpgradeTestMode { accept, refuse, hang };

struct WebSocketOptions {
  bool permessage_deflate = true;
  // Outbound bytes a connection may have queued; a reader that falls further behind is cut.
  std::size_t max_outbound_bytes = std::size_t{32} << 20;
  // No frame or pong from the peer for this long: it is gone. Pings go out at half of it.
  std::chrono::milliseconds dead_peer_timeout{40'000};
  std::chrono::milliseconds handshake_timeout{10'000};
  UpgradeTestMode upgrade_test_mode = UpgradeTestMode::accept;
};

// Application close codes, so clients and operators can tell why a socket ended.
enum class CloseCode : std::uint16_t {
  kGoingAway = 1001,   // the server is shutting down
  kPolicy = 1008,      // a fatal protocol error (see the error frame sent before)
  kTooBig = 1009,      // a message over max_message_bytes
  kSlowReader = 4008,  // the outbound queue bound was hit
};

// Everything a WebSocket connection needs from the server; outlives every connection.
struct WebSocketEnvironment {
  collab::Collaboration& collaboration;
  const ProtocolConfig& protocol;
  const WebSocketOptions& options;
  // Turns a hello's token (or the upgrade's Authorization header) into permissions; an error
  // message refuses the connection.
  std::function<std::variant<Permissions, proto::ErrorMessage>(const std::optional<std::string>&)>
      authorize;
  TransportMetrics& metrics;
  WritePacers& pacers;
};

// One WebSocket connection on /v1/ws carrying protocol v1 (subprotocol tandem.v1).
//
// Outbound frames are queued and written together: everything queued until the flush goes out
// in one WebSocket message (a JSON array when there are several), so a burst costs one socket
// write. Fan-out frames (other clients' ops, presence) flush at the loop's next pacing tick
// (WritePacer); everything else at the end of the current loop turn. A single frame is written
// straight from the shared encoded bytes.
class WebSocketSession : public Connection,
                         public FrameSink,
                         public PacedWriter,
                         public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(UpgradeRequest&& upgrade, WebSocketEnvironment& environment);
  ~WebSocketSession() override;

  void start();
  void begin_shutdown() override;
  void force_close() override;

  void send(std::string_view doc, const collab::Frame& frame) override;
  void fail(const proto::ErrorMessage& error) override;
  void paced_flush() override;

 private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void on_message(std::string_view text);
  void on_hello(proto::Hello& hello);
  void on_renewal(proto::Hello& hello);
  void on_too_big();
  void schedule_flush();
  void request_pace();
  void flush();
  void on_write(boost::beast::error_code ec);
  void close_with(CloseCode code, std::string_view reason);
  void teardown();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  Request upgrade_request_;
  std::optional<std::string> upgrade_token_;  // from Authorization: Bearer on the upgrade
  RequestContext context_;
  ConnectionRegistration registration_;
  AdmissionTicket ticket_;
  WebSocketEnvironment& environment_;
  boost::beast::flat_buffer read_buffer_;
  std::shared_ptr<ProtocolSession> session_;  // after hello

  std::deque<collab::SharedText> queue_;
  std::size_t queued_bytes_ = 0;
  std::vector<collab::SharedText> writing_frames_;  // kept alive while their bytes are written
  std::string batch_;                               // a several-frame write, as a JSON array
  bool writing_ = false;
  bool flush_scheduled_ = false;
  bool pace_requested_ = false;
  bool urgent_queued_ = false;  // the queue holds a frame that must not wait for a tick
  // A close is wanted; it goes out once the current write has finished.
  std::optional<std::pair<CloseCode, std::string>> pending_close_;
  bool closing_ = false;
  bool torn_down_ = false;
  boost::asio::steady_timer close_deadline_;
};

// The upgrade route for /v1/ws: `admit` decides (origin, per-IP limits), an unknown
// subprotocol is refused, then the connection goes to a WebSocketSession.
UpgradeRoute websocket_route(
    WebSocketEnvironment& environment,
    std::function<std::variant<Response, AdmissionTicket>(const Request&, const RequestContext&)>
        admit);

}  // namespace tandem::server
