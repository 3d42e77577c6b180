#include "doctor/http_exchange.hpp"

#include <boost/beast/http/error.hpp>

#include <chrono>

namespace tandem::doctor {
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

std::string format_request(const Target& target, const HttpRequestSpec& spec) {
  std::string out = spec.method;
  out.append(" ").append(spec.path).append(" HTTP/1.1\r\nHost: ").append(target.host_header());
  out.append("\r\nUser-Agent: tandem-doctor\r\n");
  for (const auto& [name, value] : spec.headers)
    out.append(name).append(": ").append(value).append("\r\n");
  if (!spec.body.empty() || spec.method == "POST") {
    out += "Content-Length: " + std::to_string(spec.body.size()) + "\r\n";
  }
  out += "\r\n";
  out += spec.body;
  return out;
}

HttpResponseReader::HttpResponseReader() {
  parser_.body_limit(std::uint64_t{16} * 1024 * 1024);
  parser_.eager(true);
}

Result<void, LinkFailure> HttpResponseReader::feed() {
  while (!pending_.empty() && !parser_.is_done()) {
    boost::system::error_code ec;
    const std::size_t used = parser_.put(boost::asio::buffer(pending_.data(), pending_.size()), ec);
    pending_.erase(0, used);
    if (ec == http::error::need_more) return {};
    if (ec) return LinkFailure{LinkFailure::Kind::kFailed, "not an HTTP response: " + ec.message()};
    if (used == 0) return {};
  }
  return {};
}

Result<void, LinkFailure> HttpResponseReader::read(Link& link, Millis timeout, const Until& until) {
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  if (auto fed = feed(); !fed) return fed;
  while (!parser_.is_done() && !(until && parser_.is_header_done() && until(*this))) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left <= Millis(0))
      return LinkFailure{LinkFailure::Kind::kTimeout, "no complete answer before the deadline"};
    auto got = link.read_some(pending_, left);
    if (!got) {
      if (got.error().kind == LinkFailure::Kind::kClosed && parser_.is_header_done()) {
        boost::system::error_code ec;
        parser_.put_eof(ec);  // a close-delimited body ends here
        if (!ec) return {};
      }
      return got;
    }
    if (first_byte < Millis(0))
      first_byte = std::chrono::duration_cast<Millis>(Clock::now() - start);
    if (auto fed = feed(); !fed) return fed;
  }
  return {};
}

}  // namespace tandem::doctor
