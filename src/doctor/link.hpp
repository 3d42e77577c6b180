#pragma once

#include "common/result.hpp"
#include "doctor/target.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <variant>

namespace tandem::doctor {

using Millis = std::chrono::milliseconds;

struct LinkFailure {
  enum class Kind { kTimeout, kClosed, kFailed };
  Kind kind;
  std::string message;
};

// One TCP connection to the target, TLS on top for https, with a deadline on every operation:
// the doctor must see a proxy that hangs, not wait for it.
class Link {
 public:
  struct Options {
    Millis timeout{5000};
    bool verify_tls = true;
  };
  static Result<std::unique_ptr<Link>, LinkFailure> open(const Target& target,
                                                         const Options& options);
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  Result<void, LinkFailure> write(std::string_view bytes, Millis timeout);
  // Appends what arrives within `timeout` (at least one byte) to `out`.
  Result<void, LinkFailure> read_some(std::string& out, Millis timeout);

  Millis connect_time{0};
  Millis tls_time{0};

 private:
  using Plain = boost::beast::tcp_stream;
  using Secure = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  Link();
  Plain& tcp();
  // Runs the loop until the operation started before ends.
  void run();

  boost::asio::io_context io_;
  boost::asio::ssl::context tls_context_;
  std::unique_ptr<Plain> plain_;
  std::unique_ptr<Secure> secure_;
};

}  // namespace tandem::doctor
