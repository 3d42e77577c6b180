#include "server/http_session.hpp"

#include "server/ascii_case.hpp"
#include "server/json_error.hpp"
#include "server/request_framing.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <cerrno>
#include <exception>
#include <string_view>
#include <utility>

namespace tandem::server {

namespace beast = boost::beast;
namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;

namespace {

constexpr std::size_t kReadChunk = 4096;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool is_disconnect(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == asio::error::bad_descriptor || ec == beast::error::timeout ||
         ec == http::error::partial_message;
}

// A session held by a handler that may answer from another loop (or another thread, such as the
// store's). It is let go of on the session's own loop, so a session is always destroyed there,
// where its loop's connection set is touched (shedding walks that set).
class HeldOnLoop {
 public:
  HeldOnLoop(std::shared_ptr<HttpSession> session, asio::any_io_executor loop)
      : session_(std::move(session)), loop_(std::move(loop)) {}
  HeldOnLoop(const HeldOnLoop&) = default;
  HeldOnLoop(HeldOnLoop&&) noexcept = default;
  HeldOnLoop& operator=(const HeldOnLoop&) = delete;
  HeldOnLoop& operator=(HeldOnLoop&&) = delete;
  ~HeldOnLoop() {
    if (!session_) return;
    // On its own loop (the common case) the reference is simply dropped; no post per request.
    const auto* loop = loop_.target<asio::io_context::executor_type>();
    if (loop != nullptr && loop->running_in_this_thread()) return;
    asio::post(loop_, [session = std::move(session_)] {});
  }

  const std::shared_ptr<HttpSession>& session() const { return session_; }
  const asio::any_io_executor& loop() const { return loop_; }

 private:
  std::shared_ptr<HttpSession> session_;
  asio::any_io_executor loop_;
};

}  // namespace

HttpSession::HttpSession(asio::ip::tcp::socket socket, SessionEnvironment& environment,
                         LoopConnections& connections,
                         std::optional<security::ConnectionLimiter::Lease> slot)
    : stream_(std::move(socket)),
      environment_(environment),
      registration_(connections, this),
      slot_(std::move(slot)) {
  beast::error_code ec;
  remote_ = stream_.socket().remote_endpoint(ec);
}

HttpSession::~HttpSession() = default;

void HttpSession::start() {
  // A connection accepted while the server began draining is closed straight away.
  if (environment_.tracker.draining()) {
    draining_ = true;
    close();
    return;
  }
  wait_for_request();
}

void HttpSession::begin_shutdown() {
  draining_ = true;
  if (!in_request_) close();
}

void HttpSession::force_close() { close(); }

bool HttpSession::shed_if_idle(std::chrono::steady_clock::time_point opened_before) {
  if (closed_ || upgraded_ || answering_ || opened_ >= opened_before) return false;
  close();
  return true;
}

void HttpSession::wait_for_request() {
  in_request_ = false;
  answering_ = false;
  if (buffer_.size() > 0) {
    // A pipelined request is already buffered.
    in_request_ = true;
    read_header();
    return;
  }
  // A connection that has sent no request yet gets header-timeout from accept (idle sockets
  // cost a descriptor each); a keep-alive one idle between requests gets idle-timeout.
  stream_.expires_after(heads_ == 0 ? environment_.limits.header_timeout
                                    : environment_.limits.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            self->on_first_bytes(ec, bytes);
                          });
}

void HttpSession::on_first_bytes(beast::error_code ec, std::size_t bytes) {
  if (ec) return close();
  buffer_.commit(bytes);
  in_request_ = true;
  read_header();
}

void HttpSession::read_header() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(environment_.limits.max_header_bytes));
  parser_->body_limit(environment_.limits.max_body_bytes);
  // The first head's clock started at accept and keeps running.
  if (heads_ > 0) stream_.expires_after(environment_.limits.header_timeout);
  parse_header();
}

void HttpSession::parse_header() {
  if (buffer_.size() > 0) {
    beast::error_code ec;
    const auto buffered = buffer_.data();
    // The parser takes nothing until the whole head is buffered, then exactly the head.
    const std::size_t used = parser_->put(buffered, ec);
    if (!ec && parser_->is_header_done()) {
      const bool folded =
          has_obs_fold(std::string_view(static_cast<const char*>(buffered.data()), used));
      buffer_.consume(used);
      return on_header(folded);
    }
    buffer_.consume(used);
    if (ec && ec != http::error::need_more) return reject(ec);
  }
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            self->on_header_bytes(ec, bytes);
                          });
}

void HttpSession::on_header_bytes(beast::error_code ec, std::size_t bytes) {
  if (ec) return reject(ec);
  buffer_.commit(bytes);
  parse_header();
}

std::optional<HeadRefusal> HttpSession::screen_head(bool folded) const {
  if (folded) {
    return HeadRefusal{http::status::bad_request, "obs_fold",
                       "a header line continues on the next line (obs-fold); send it on one line"};
  }
  if (auto refusal = check_request_head(parser_->get())) return refusal;
  if (environment_.screen_head) return environment_.screen_head(parser_->get());
  return std::nullopt;
}

void HttpSession::on_header(bool folded) {
  ++heads_;
  answering_ = true;
  if (auto refusal = screen_head(folded)) return refuse_head(std::move(*refusal));
  if (websocket::is_upgrade(parser_->get()) && try_upgrade()) return;
  if (parser_->is_done()) return handle_request();
  if (ascii_iequals(parser_->get()[http::field::expect], "100-continue")) {
    // curl and others wait for this before sending a body.
    stream_.expires_after(environment_.limits.body_timeout);
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                        self->on_continue_sent(write_ec);
                      });
    return;
  }
  read_body();
}

void HttpSession::on_continue_sent(beast::error_code ec) {
  if (ec) return close();
  read_body();
}

void HttpSession::read_body() {
  stream_.expires_after(environment_.limits.body_timeout);
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
}

void HttpSession::on_body(beast::error_code ec) {
  if (ec) return reject(ec);
  handle_request();
}

RequestContext HttpSession::context_for(const Request& request) const {
  const auto client = environment_.resolve_client
                          ? environment_.resolve_client(request, remote_.address())
                          : remote_.address();
  return RequestContext{remote_, client, registration_.connections().loop, draining_};
}

bool HttpSession::try_upgrade() {
  const UpgradeRoute* route =
      environment_.router.find_upgrade(target_path(parser_->get().target()));
  if (route == nullptr || draining_) return false;
  Request request = parser_->release();
  parser_.reset();
  hand_over(*route, std::move(request));
  return true;
}

void HttpSession::hand_over(const UpgradeRoute& route, Request request) {
  const RequestContext context = context_for(request);
  auto admission = route.admit(request, context);
  if (auto* refusal = std::get_if<Response>(&admission)) {
    refusal->keep_alive(false);
    return write(finish_response(request, std::move(*refusal)));
  }
  upgraded_ = true;
  stream_.expires_never();
  // The per-address slot stays taken for as long as the upgraded connection lives: the ticket
  // keeps pointing at what the route made (routes cast it back) and now owns the slot too.
  if (slot_) {
    AdmissionTicket& ticket = std::get<AdmissionTicket>(admission);
    void* const made = ticket.get();
    auto both = std::make_shared<
        std::pair<AdmissionTicket, std::optional<security::ConnectionLimiter::Lease>>>(
        std::move(ticket), std::move(slot_));
    slot_.reset();
    ticket = AdmissionTicket(std::move(both), made);
  }
  // A client waits for the answer before sending more, so nothing past the request is buffered.
  route.accept(UpgradeRequest{std::move(request), std::move(stream_), context,
                              registration_.connections(),
                              std::move(std::get<AdmissionTicket>(admission))});
}

void HttpSession::handle_request() {
  Request request = parser_->release();
  parser_.reset();
  // A held poll can wait 25 s: give the read buffer back meanwhile (about 1 KB per held poll).
  if (buffer_.size() == 0) buffer_.shrink_to_fit();
  if (request.method() == http::verb::get && !draining_) {
    if (const UpgradeRoute* stream =
            environment_.router.find_stream(target_path(request.target()))) {
      return hand_over(*stream, std::move(request));
    }
  }
  if (draining_) request.keep_alive(false);
  const RequestContext context = context_for(request);
  // The answer may come from another loop; the session waits for it (a handler must answer).
  Responder respond(
      [held = HeldOnLoop(shared_from_this(), stream_.get_executor())](ResponseGenerator response) {
        asio::post(held.loop(), [self = held.session(), response = std::move(response)]() mutable {
          self->write(std::move(response));
        });
      },
      [held = HeldOnLoop(shared_from_this(), stream_.get_executor())](Responder::PeerGone gone) {
        asio::post(held.loop(), [self = held.session(), gone = std::move(gone)]() mutable {
          self->watch_peer(std::move(gone));
        });
      });
  try {
    environment_.router.dispatch(request, context, respond);
  } catch (const std::exception& e) {
    // A throwing handler is a bug; the client still gets an answer and the loop survives.
    spdlog::error("handler for {} {} threw: {}", std::string_view(request.method_string()),
                  std::string_view(request.target()), e.what());
    write(finish_response(request,
                          make_json_error(http::status::internal_server_error, "internal_error",
                                          "internal server error", request.version(), false)));
  }
}

void HttpSession::watch_peer(Responder::PeerGone gone) {
  // The answer may already be on its way (then there is nothing left to watch).
  if (closed_ || !in_request_ || watching_peer_ || buffer_.size() > 0) return;
  peer_gone_ = std::move(gone);
  watching_peer_ = true;
  stream_.expires_never();
  // Waits for readability without consuming: a pipelined request stays for the parser.
  stream_.socket().async_wait(
      asio::ip::tcp::socket::wait_read,
      [self = shared_from_this()](beast::error_code ec) { self->on_peer_readable(ec); });
}

void HttpSession::on_peer_readable(beast::error_code ec) {
  if (!watching_peer_) return;  // the answer went out first and cancelled the wait
  watching_peer_ = false;
  if (ec == asio::error::operation_aborted) return;
  if (!ec) {
    char byte = 0;
    const ssize_t peeked =
        ::recv(stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (peeked > 0) {
      peer_gone_ = nullptr;  // a pipelined request: the client is still there
      return;
    }
    if (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      // Woken with nothing to read: keep watching.
      watching_peer_ = true;
      stream_.socket().async_wait(
          asio::ip::tcp::socket::wait_read,
          [self = shared_from_this()](beast::error_code again) { self->on_peer_readable(again); });
      return;
    }
  }
  auto gone = std::exchange(peer_gone_, nullptr);
  close();
  if (gone) gone();
}

void HttpSession::write(ResponseGenerator response) {
  if (watching_peer_) {
    watching_peer_ = false;
    peer_gone_ = nullptr;
    beast::error_code ignored;
    stream_.socket().cancel(ignored);
  }
  const bool keep_alive = response.keep_alive();
  stream_.expires_after(environment_.limits.body_timeout);
  beast::async_write(stream_, std::move(response),
                     [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                       self->on_write(keep_alive, ec);
                     });
}

void HttpSession::on_write(bool keep_alive, beast::error_code ec) {
  if (ec || !keep_alive || draining_) {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    return close();
  }
  wait_for_request();
}

void HttpSession::reject(beast::error_code ec) {
  if (is_disconnect(ec)) return close();
  http::status status = http::status::bad_request;
  std::string_view code = "bad_request";
  std::string message = "malformed HTTP request: " + ec.message();
  if (ec == http::error::header_limit) {
    status = http::status::request_header_fields_too_large;
    code = "headers_too_large";
    message =
        "request headers exceed " + std::to_string(environment_.limits.max_header_bytes) + " bytes";
  } else if (ec == http::error::body_limit) {
    status = http::status::payload_too_large;
    code = "body_too_large";
    message =
        "request body exceeds " + std::to_string(environment_.limits.max_body_bytes) + " bytes";
  }
  spdlog::debug("rejecting request from {}: {}", remote_.address().to_string(), message);
  parser_.reset();
  buffer_.clear();
  write(ResponseGenerator{make_json_error(status, code, message, 11, false)});
}

void HttpSession::refuse_head(HeadRefusal refusal) {
  spdlog::debug("refusing request from {}: {}", remote_.address().to_string(), refusal.message);
  const unsigned version = parser_->get().version();
  parser_.reset();
  buffer_.clear();
  write(ResponseGenerator{
      make_json_error(refusal.status, refusal.code, refusal.message, version, false)});
}

void HttpSession::close() {
  if (closed_ || upgraded_) return;
  closed_ = true;
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace tandem::server
