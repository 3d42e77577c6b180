#include "bench/loopback_target.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace tandem::bench {

Result<LoopbackTarget, std::string> parse_loopback_url(std::string_view url) {
  const std::string quoted = "'" + std::string(url) + "'";
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return "--url must look like http://127.0.0.1:8080, got " + quoted;
  const boost::urls::url_view& view = *parsed;
  if (view.scheme() != "http") return "--url must start with http://, got " + quoted;
  if (view.has_userinfo() || view.has_query() || view.has_fragment() ||
      (!view.path().empty() && view.path() != "/")) {
    return "--url takes only http://HOST:PORT (no user, path, query or fragment), got " + quoted;
  }
  if (!view.has_port() || view.port().empty()) {
    return "--url needs a port, e.g. http://127.0.0.1:8080, got " + quoted;
  }
  unsigned port = 0;
  const std::string_view port_text = view.port();
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return "--url has a bad port in " + quoted;
  }

  LoopbackTarget target;
  target.port = static_cast<std::uint16_t>(port);
  const std::string host(view.encoded_host_address());
  if (host == "localhost") {
    target.address = boost::asio::ip::make_address_v4("127.0.0.1");
  } else {
    std::string literal = host;
    if (literal.size() > 2 && literal.front() == '[' && literal.back() == ']') {
      literal = literal.substr(1, literal.size() - 2);
    }
    boost::system::error_code ec_address;
    target.address = boost::asio::ip::make_address(literal, ec_address);
    if (ec_address) {
      return "--url host must be an IP literal or localhost (no name lookups), got " + quoted;
    }
  }
  const bool loopback = target.address.is_v4()
                            ? (target.address.to_v4().to_uint() >> 24) == 127
                            : target.address.to_v6() == boost::asio::ip::address_v6::loopback();
  if (!loopback) {
    return "tandem bench only loads loopback addresses (127.0.0.0/8, ::1, localhost); " + quoted +
           " is not one";
  }
  target.host_header = std::string(view.encoded_host_and_port());
  return target;
}

Result<std::vector<LoopbackTarget>, std::string> parse_loopback_urls(
    const std::vector<std::string>& urls) {
  if (urls.empty()) return std::string("--url must be given at least once");
  std::vector<LoopbackTarget> targets;
  for (const std::string& url : urls) {
    auto target = parse_loopback_url(url);
    if (!target) return target.error();
    targets.push_back(std::move(*target));
  }
  return targets;
}

}  // namespace tandem::bench
