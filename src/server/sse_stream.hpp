#pragma once

#include "server/connection.hpp"
#include "server/gzip_stream.hpp"
#include "server/http_downlink.hpp"
#include "server/http_transports.hpp"
#include "server/router.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace tandem::server {

// GET /v1/sse: one protocol message per event, each versioned event's `id:` the resume cursor
// of every subscribed document, so a browser's automatic reconnect (Last-Event-ID) resumes with
// no gap and no duplicate.
//
// An HTTP/1.1 request gets a chunked response: proxies pass chunks on as they come, while some
// (Varnish) hold back a close-delimited body. An HTTP/1.0 request (nginx's default upstream
// protocol) gets the body close-delimited, the only framing HTTP/1.0 has. Either way the
// connection closes when the stream ends, on purpose after sse_max_lifetime or sse_max_bytes;
// the downlink stays cached for the reconnect.
class SseStream : public Connection, public std::enable_shared_from_this<SseStream> {
 public:
  SseStream(UpgradeRequest&& request, HttpTransportEnvironment& environment);
  ~SseStream() override;

  void start();
  void begin_shutdown() override;
  void force_close() override;

 private:
  void refuse(Response response);
  void pump();
  void append_event(const PendingFrame& pending);
  void write_pending();
  // Appends body bytes to `wire` in the response's framing.
  void frame_body(std::string_view body, std::string& wire) const;
  void on_written(boost::beast::error_code ec);
  void watch_for_close();
  void arm_heartbeat();
  void end_stream();
  void end_with(const proto::ErrorMessage& error);
  void teardown();

  boost::beast::tcp_stream stream_;
  Request request_;
  RequestContext context_;
  ConnectionRegistration registration_;
  AdmissionTicket ticket_;
  HttpTransportEnvironment& environment_;
  std::shared_ptr<HttpDownlink> downlink_;
  std::map<std::string, std::uint64_t> cursor_;
  std::optional<GzipStream> gzip_;
  std::string out_;      // body bytes waiting to be written
  std::string writing_;  // bytes on the wire being written
  bool chunked_ = false;
  bool last_chunk_sent_ = false;
  bool write_in_progress_ = false;
  bool ending_ = false;
  bool torn_down_ = false;
  bool counted_ = false;
  std::size_t bytes_sent_ = 0;
  std::size_t frames_sent_ = 0;  // frames taken from the downlink into this stream
  std::array<char, 512> discard_{};
  boost::asio::steady_timer heartbeat_;
  boost::asio::steady_timer lifetime_;
};

UpgradeRoute sse_route(HttpTransportEnvironment& environment);

}  // namespace tandem::server
