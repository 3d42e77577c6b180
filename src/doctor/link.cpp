#include "doctor/link.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>

#include <openssl/ssl.h>

namespace tandem::doctor {
namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

namespace {

LinkFailure failure_of(const boost::system::error_code& ec, std::string_view what) {
  if (ec == beast::error::timeout) {
    return {LinkFailure::Kind::kTimeout, std::string(what) + ": no answer before the deadline"};
  }
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::ssl::error::stream_truncated) {
    return {LinkFailure::Kind::kClosed,
            std::string(what) + ": connection closed (" + ec.message() + ")"};
  }
  return {LinkFailure::Kind::kFailed, std::string(what) + ": " + ec.message()};
}

Millis since(Clock::time_point start) {
  return std::chrono::duration_cast<Millis>(Clock::now() - start);
}

}  // namespace

Link::Link() : tls_context_(asio::ssl::context::tls_client) {}
Link::~Link() = default;

Link::Plain& Link::tcp() { return secure_ ? secure_->next_layer() : *plain_; }

void Link::run() {
  io_.restart();
  io_.run();
}

Result<std::unique_ptr<Link>, LinkFailure> Link::open(const Target& target,
                                                      const Options& options) {
  std::unique_ptr<Link> link(new Link());
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(link->io_);
  const auto endpoints = resolver.resolve(target.host, target.port, ec);
  if (ec) return failure_of(ec, "resolve " + target.host);

  if (target.tls) {
    link->tls_context_.set_default_verify_paths();
    link->tls_context_.set_verify_mode(options.verify_tls ? asio::ssl::verify_peer
                                                          : asio::ssl::verify_none);
    link->secure_ = std::make_unique<Secure>(link->io_, link->tls_context_);
  } else {
    link->plain_ = std::make_unique<Plain>(link->io_);
  }
  const auto started = Clock::now();
  link->tcp().expires_after(options.timeout);
  link->tcp().async_connect(endpoints, [&ec](const boost::system::error_code& e, auto) { ec = e; });
  link->run();
  if (ec) return failure_of(ec, "connect to " + target.host_header());
  link->connect_time = since(started);

  if (target.tls) {
    Secure& secure = *link->secure_;
    // SSL_set_tlsext_host_name, spelled out: the macro casts in C style.
    if (SSL_ctrl(secure.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(target.host.c_str())) != 1) {
      return LinkFailure{LinkFailure::Kind::kFailed, "cannot set the TLS server name"};
    }
    if (options.verify_tls)
      secure.set_verify_callback(asio::ssl::host_name_verification(target.host));
    const auto tls_started = Clock::now();
    secure.next_layer().expires_after(options.timeout);
    secure.async_handshake(asio::ssl::stream_base::client,
                           [&ec](const boost::system::error_code& e) { ec = e; });
    link->run();
    if (ec) return failure_of(ec, "TLS handshake");
    link->tls_time = since(tls_started);
  }
  return link;
}

Result<void, LinkFailure> Link::write(std::string_view bytes, Millis timeout) {
  boost::system::error_code ec;
  tcp().expires_after(timeout);
  auto done = [&ec](const boost::system::error_code& e, std::size_t) { ec = e; };
  if (secure_) {
    asio::async_write(*secure_, asio::buffer(bytes.data(), bytes.size()), done);
  } else {
    asio::async_write(*plain_, asio::buffer(bytes.data(), bytes.size()), done);
  }
  run();
  if (ec) return failure_of(ec, "send");
  return {};
}

Result<void, LinkFailure> Link::read_some(std::string& out, Millis timeout) {
  boost::system::error_code ec;
  std::array<char, 16384> buffer{};
  std::size_t got = 0;
  tcp().expires_after(timeout);
  auto done = [&](const boost::system::error_code& e, std::size_t n) {
    ec = e;
    got = n;
  };
  if (secure_) {
    secure_->async_read_some(asio::buffer(buffer), done);
  } else {
    plain_->async_read_some(asio::buffer(buffer), done);
  }
  run();
  out.append(buffer.data(), got);
  if (ec && got == 0) return failure_of(ec, "receive");
  return {};
}

}  // namespace tandem::doctor
