#include "server/security/origin_policy.hpp"
#include "server/security/header_text.hpp"

#include <algorithm>
#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <utility>

namespace tandem::server::security {
namespace {

// Far beyond any real origin; also keeps Boost.URL's length_error unreachable.
constexpr std::size_t kMaxOriginLength = 2048;

bool is_dns_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

// 1-5 digits naming a port in 1..65535.
std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  std::uint32_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// host and port of an authority (of an Origin or a Host header) as "host:port".
template <class View>
std::optional<std::string> host_and_port(const View& view, std::uint16_t default_port) {
  std::string host;
  switch (view.host_type()) {
    case boost::urls::host_type::name: {
      const std::string_view name = view.encoded_host();
      // DNS names only (browsers send IDNs as punycode): no percent escapes, which would give
      // one host several spellings, and no sub-delims such as '*', which look like wildcards.
      if (name.empty() || !std::all_of(name.begin(), name.end(), is_dns_char)) {
        return std::nullopt;
      }
      host = ascii_lowercase(name);
      break;
    }
    case boost::urls::host_type::ipv4:
      host = view.host_ipv4_address().to_string();
      break;
    case boost::urls::host_type::ipv6:
      host = "[" + view.host_ipv6_address().to_string() + "]";
      break;
    default:
      return std::nullopt;
  }
  std::uint16_t port = default_port;
  if (view.has_port()) {
    const auto parsed = parse_port(view.port());
    if (!parsed) return std::nullopt;
    port = *parsed;
  }
  return host + ":" + std::to_string(port);
}

}  // namespace

std::optional<std::string> normalize_origin(std::string_view origin, bool allow_trailing_slash) {
  if (origin.empty() || origin.size() > kMaxOriginLength) return std::nullopt;
  const auto parsed = boost::urls::parse_absolute_uri(origin);
  if (!parsed) return std::nullopt;
  const boost::urls::url_view& url = *parsed;
  const std::string scheme = ascii_lowercase(url.scheme());
  if (scheme != "http" && scheme != "https") return std::nullopt;
  if (!url.has_authority() || url.has_userinfo() || url.has_query() || url.has_fragment()) {
    return std::nullopt;
  }
  const std::string_view path = url.encoded_path();
  if (!path.empty() && !(allow_trailing_slash && path == "/")) return std::nullopt;
  auto authority = host_and_port(url, scheme == "https" ? 443 : 80);
  if (!authority) return std::nullopt;
  return scheme + "://" + *authority;
}

std::optional<std::string> request_origin(std::string_view host_header, bool tls) {
  host_header = trim_blanks(host_header);
  if (host_header.empty() || host_header.size() > kMaxOriginLength) return std::nullopt;
  const auto parsed = boost::urls::parse_authority(host_header);
  if (!parsed || parsed->has_userinfo()) return std::nullopt;
  auto authority = host_and_port(*parsed, tls ? 443 : 80);
  if (!authority) return std::nullopt;
  return (tls ? "https://" : "http://") + *authority;
}

tandem::Result<OriginPolicy, std::string> OriginPolicy::parse(
    const std::vector<std::string>& allowed) {
  OriginPolicy policy;
  for (const std::string& entry : allowed) {
    const std::string_view text = trim_blanks(entry);
    if (text == "*") {
      policy.any_ = true;
      continue;
    }
    auto origin = normalize_origin(text, true);
    if (!origin) {
      return "allowed origin \"" + entry +
             "\" is not scheme://host[:port] with scheme http or https (or \"*\")";
    }
    if (std::find(policy.allowed_.begin(), policy.allowed_.end(), *origin) ==
        policy.allowed_.end()) {
      policy.allowed_.push_back(std::move(*origin));
    }
  }
  return policy;
}

OriginPolicy::OriginPolicy(const std::vector<std::string>& allowed) {
  auto parsed = parse(allowed);
  if (!parsed) throw std::invalid_argument(parsed.error());
  *this = std::move(parsed).value();
}

bool OriginPolicy::allows(std::string_view origin_header, std::string_view host_header,
                          bool tls) const {
  origin_header = trim_blanks(origin_header);
  // No Origin: not a browser, so not a cross-site request a browser was tricked into.
  if (origin_header.empty()) return true;
  const auto origin = normalize_origin(origin_header);
  if (!origin) return false;
  if (any_) return true;
  if (std::find(allowed_.begin(), allowed_.end(), *origin) != allowed_.end()) return true;
  const auto own = request_origin(host_header, tls);
  return own && *own == *origin;
}

}  // namespace tandem::server::security
