#include "server/sse_stream.hpp"

#include "server/chunked_encoding.hpp"
#include "server/downlink_admission.hpp"
#include "server/http_query.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/write.hpp>

#include <utility>

namespace tandem::server {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

// Some proxies and browsers hold back the first bytes of a response; 2 KiB of comment pushes
// the stream past those buffers at once.
constexpr std::size_t kPaddingBytes = 2048;
constexpr std::string_view kRetry = "retry: 1000\n\n";

}  // namespace

SseStream::SseStream(UpgradeRequest&& request, HttpTransportEnvironment& environment)
    : stream_(std::move(request.stream)),
      request_(std::move(request.request)),
      context_(request.context),
      registration_(request.connections, this),
      ticket_(std::move(request.ticket)),
      environment_(environment),
      heartbeat_(stream_.get_executor()),
      lifetime_(stream_.get_executor()) {}

SseStream::~SseStream() { teardown(); }

void SseStream::start() {
  auto admission = std::static_pointer_cast<DownlinkAdmission>(ticket_);
  DownlinkQuery& query = admission->query;
  if (const std::string_view resume = request_["Last-Event-ID"]; !resume.empty()) {
    apply_resume_cursor(resume, query);
  }
  environment_.held.fetch_add(1, std::memory_order_relaxed);
  environment_.metrics.opened(proto::Transport::kSse);
  counted_ = true;
  downlink_ =
      environment_.downlinks.acquire(context_.loop, query.client, admission->credentials,
                                     query.subscriptions, admission->permissions, context_.client);
  for (const DownlinkSubscription& subscription : query.subscriptions) {
    if (subscription.version) cursor_[subscription.doc] = *subscription.version;
  }

  chunked_ = request_.version() >= 11;
  std::string head =
      "HTTP/1.1 200 OK\r\n"
      "Server: tandem\r\n"
      "Content-Type: text/event-stream; charset=utf-8\r\n"
      "Cache-Control: no-cache, no-transform\r\n"
      "X-Accel-Buffering: no\r\n"
      "Connection: close\r\n";
  if (chunked_) head += "Transfer-Encoding: chunked\r\n";
  if (const std::string_view origin = request_[http::field::origin]; !origin.empty()) {
    head += "Access-Control-Allow-Origin: " + std::string(origin) + "\r\nVary: Origin\r\n";
  }
  if (accepts_gzip(request_[http::field::accept_encoding])) {
    gzip_.emplace();
    head += "Content-Encoding: gzip\r\n";
  }
  head += "\r\n";
  writing_ = std::move(head);

  std::string opening = ":" + std::string(kPaddingBytes, ' ') + "\n";
  opening += kRetry;
  opening += "data: " + *downlink_->session().welcome_frame().json + "\n\n";
  if (gzip_) {
    std::string compressed;
    gzip_->write(opening, compressed);
    frame_body(compressed, writing_);
  } else {
    frame_body(opening, writing_);
  }
  write_in_progress_ = true;
  asio::async_write(
      stream_, asio::buffer(writing_),
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_written(ec); });

  downlink_->listen(this, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->pump();
  });
  arm_heartbeat();
  lifetime_.expires_after(environment_.options.sse_max_lifetime);
  lifetime_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    if (auto self = weak.lock(); self && !ec) self->end_stream();
  });
  watch_for_close();
}

void SseStream::watch_for_close() {
  // The client never sends anything after its request; a read completes only when it leaves.
  stream_.socket().async_read_some(asio::buffer(discard_),
                                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                     if (ec) return self->teardown();
                                     self->watch_for_close();
                                   });
}

void SseStream::pump() {
  // A reconnect of the same client may have taken the downlink over: its frames are not ours.
  if (ending_ || torn_down_) return;
  // The token expired (the downlink's session timed it): the refusal is the last event.
  if (downlink_->refusal()) return end_with(*downlink_->refusal());
  // Left (the client posted unsub for its last document): nothing more comes here.
  if (downlink_->closed()) return end_stream();
  if (!downlink_->listened_by(this)) return;
  // Frames beyond sse_max_bytes stay in the downlink for the next stream, so a proxy that caps
  // response sizes never cuts an event; every stream carries at least one frame, though.
  const std::size_t cap = environment_.options.sse_max_bytes;
  const std::size_t queued = bytes_sent_ + writing_.size() + out_.size();
  if (queued >= cap && frames_sent_ > 0) return end_stream();
  const std::size_t budget = queued >= cap ? 1 : cap - queued;
  HttpDownlink::Batch batch =
      downlink_->take(std::min(environment_.options.poll_max_bytes, budget));
  for (const PendingFrame& pending : batch.frames) append_event(pending);
  frames_sent_ += batch.frames.size();
  write_pending();
  if (batch.more) {
    asio::post(stream_.get_executor(), [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->pump();
    });
  }
}

void SseStream::append_event(const PendingFrame& pending) {
  std::string event;
  if (pending.frame.version_after && !pending.doc.empty()) {
    cursor_[pending.doc] = *pending.frame.version_after;
    event += "id: ";
    bool first = true;
    for (const auto& [doc, version] : cursor_) {
      if (!first) event.push_back(',');
      first = false;
      event += doc + '@' + std::to_string(version);
    }
    event.push_back('\n');
  }
  event += "data: ";
  event += *pending.frame.json;
  event += "\n\n";
  if (gzip_) {
    gzip_->write(event, out_);
  } else {
    out_ += event;
  }
}

void SseStream::frame_body(std::string_view body, std::string& wire) const {
  if (chunked_) {
    append_chunk(body, wire);
  } else {
    wire += body;
  }
}

void SseStream::write_pending() {
  if (write_in_progress_ || torn_down_) return;
  const bool end_body = ending_ && chunked_ && !last_chunk_sent_;
  if (out_.empty() && !end_body) return;
  writing_.clear();
  frame_body(out_, writing_);
  out_.clear();
  if (end_body) {
    // The last chunk tells the proxy the response is complete, not cut.
    writing_ += kLastChunk;
    last_chunk_sent_ = true;
  }
  write_in_progress_ = true;
  asio::async_write(
      stream_, asio::buffer(writing_),
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_written(ec); });
}

void SseStream::on_written(beast::error_code ec) {
  write_in_progress_ = false;
  if (ec) return teardown();
  bytes_sent_ += writing_.size();
  writing_.clear();
  if (!ending_ && frames_sent_ > 0 && bytes_sent_ >= environment_.options.sse_max_bytes) {
    return end_stream();
  }
  if (!out_.empty() || (ending_ && chunked_ && !last_chunk_sent_)) return write_pending();
  if (ending_) {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    teardown();
  }
}

void SseStream::arm_heartbeat() {
  heartbeat_.expires_after(environment_.options.sse_heartbeat);
  heartbeat_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto self = weak.lock();
    if (!self || ec || self->ending_ || self->torn_down_) return;
    // Replaced by a newer request of the same client, or closed: nothing more will come here.
    if (!self->downlink_->listened_by(self.get())) return self->end_stream();
    // A comment: keeps proxies from timing the stream out and tells the client it is alive.
    if (self->gzip_) {
      self->gzip_->write(":\n\n", self->out_);
    } else {
      self->out_ += ":\n\n";
    }
    self->write_pending();
    self->arm_heartbeat();
  });
}

void SseStream::end_stream() {
  if (ending_ || torn_down_) return;
  ending_ = true;
  if (downlink_) downlink_->stop_listening(this);
  if (gzip_) gzip_->finish(out_);
  if (!write_in_progress_ && out_.empty() && !chunked_) {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    return teardown();
  }
  write_pending();
}

void SseStream::end_with(const proto::ErrorMessage& error) {
  if (ending_ || torn_down_) return;
  append_event(PendingFrame{{}, standalone_frame(error)});
  end_stream();
}

void SseStream::begin_shutdown() { end_stream(); }

void SseStream::force_close() { teardown(); }

void SseStream::teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  heartbeat_.cancel();
  lifetime_.cancel();
  if (downlink_) downlink_->stop_listening(this);
  if (counted_) {
    environment_.held.fetch_sub(1, std::memory_order_relaxed);
    environment_.metrics.closed(proto::Transport::kSse);
  }
  counted_ = false;
  beast::error_code ignored;
  stream_.socket().close(ignored);
}

UpgradeRoute sse_route(HttpTransportEnvironment& environment) {
  UpgradeRoute route;
  route.path = "/v1/sse";
  route.admit = [&environment](
                    const Request& request,
                    const RequestContext& context) -> std::variant<Response, AdmissionTicket> {
    auto admitted = admit_downlink(request, context, environment);
    if (auto* refusal = std::get_if<Response>(&admitted)) {
      // An allowed page may read why it was refused; a foreign one learns nothing.
      if (environment.access.origin_allowed(request, context.remote.address())) {
        add_cors_headers(request, *refusal);
      }
      return std::move(*refusal);
    }
    return std::make_shared<DownlinkAdmission>(std::move(std::get<DownlinkAdmission>(admitted)));
  };
  route.accept = [&environment](UpgradeRequest&& request) {
    std::make_shared<SseStream>(std::move(request), environment)->start();
  };
  return route;
}

}  // namespace tandem::server
