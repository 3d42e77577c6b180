#include "doctor/target.hpp"

#include <boost/url/parse.hpp>

namespace tandem::doctor {

std::string Target::host_header() const {
  const bool default_port = (tls && port == "443") || (!tls && port == "80");
  return default_port ? host : host + ":" + port;
}

std::string Target::origin() const { return (tls ? "https://" : "http://") + host_header(); }

Result<Target, std::string> parse_target(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return std::string("not an absolute http:// or https:// URL: ") + std::string(url);
  const auto& uri = *parsed;
  Target target;
  if (uri.scheme() == "https") {
    target.tls = true;
  } else if (uri.scheme() != "http") {
    return "unsupported scheme '" + std::string(uri.scheme()) + "' (use http:// or https://)";
  }
  if (uri.has_userinfo() || uri.has_query() || uri.has_fragment()) {
    return std::string("the URL may not carry user info, a query or a fragment");
  }
  target.host = uri.host_address();
  if (target.host.empty()) return std::string("the URL has no host");
  // "https://host:/" has a port separator and no port: the default, as browsers read it.
  target.port =
      uri.has_port() && !uri.port().empty() ? std::string(uri.port()) : (target.tls ? "443" : "80");
  target.base_path = uri.encoded_path();
  while (!target.base_path.empty() && target.base_path.back() == '/') target.base_path.pop_back();
  return target;
}

}  // namespace tandem::doctor
