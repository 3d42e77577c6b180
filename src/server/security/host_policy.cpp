#include "server/security/host_policy.hpp"
#include "server/security/header_text.hpp"

#include <algorithm>
#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cstdint>

namespace tandem::server::security {
namespace {

// Far beyond any real Host header; also keeps Boost.URL's length_error unreachable.
constexpr std::size_t kMaxHostLength = 2048;

bool is_dns_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

bool is_dns_name(std::string_view name) {
  return !name.empty() && name.front() != '.' && name.back() != '.' &&
         std::all_of(name.begin(), name.end(), is_dns_char);
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

bool is_localhost(std::string_view name) {
  return name == "localhost" || (name.size() > 10 && name.ends_with(".localhost"));
}

}  // namespace

tandem::Result<HostPolicy, std::string> HostPolicy::parse(const std::vector<std::string>& allowed,
                                                          bool enforced) {
  HostPolicy policy;
  policy.enforced_ = enforced;
  for (const std::string& raw : allowed) {
    std::string_view text = trim_blanks(raw);
    if (text == "*") {
      policy.any_ = true;
      continue;
    }
    auto bad = [&raw] {
      return "allowed host \"" + raw + "\" is not name, name:port, *.name or \"*\"";
    };
    Entry entry;
    if (text.starts_with("*.")) {
      entry.wildcard = true;
      text.remove_prefix(1);  // keeps the dot: ".name"
    }
    const std::size_t colon = text.rfind(':');
    if (colon != std::string_view::npos) {
      entry.port = parse_port(text.substr(colon + 1));
      if (!entry.port) return bad();
      text = text.substr(0, colon);
    }
    const std::string_view name = entry.wildcard ? text.substr(1) : text;
    if (!is_dns_name(name)) return bad();
    entry.name = ascii_lowercase(text);
    policy.entries_.push_back(std::move(entry));
  }
  return policy;
}

void HostPolicy::add_name(std::string_view name) {
  if (!is_dns_name(name)) return;  // IP literals need no entry
  entries_.push_back(Entry{ascii_lowercase(name), false, std::nullopt});
}

bool HostPolicy::allows(std::string_view host_header) const {
  if (!checks()) return true;
  host_header = trim_blanks(host_header);
  if (host_header.empty()) return true;
  if (host_header.size() > kMaxHostLength) return false;
  const auto parsed = boost::urls::parse_authority(host_header);
  if (!parsed || parsed->has_userinfo()) return false;
  const boost::urls::authority_view& authority = *parsed;
  if (authority.host_type() == boost::urls::host_type::ipv4 ||
      authority.host_type() == boost::urls::host_type::ipv6) {
    return true;
  }
  if (authority.host_type() != boost::urls::host_type::name) return false;
  const std::string_view encoded = authority.encoded_host();
  if (!is_dns_name(encoded)) return false;
  std::optional<std::uint16_t> port;
  if (authority.has_port()) {
    port = parse_port(authority.port());
    if (!port) return false;
  }
  const std::string name = ascii_lowercase(encoded);
  if (is_localhost(name)) return true;
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& entry) {
    if (entry.port && entry.port != port) return false;
    if (entry.wildcard) return name.size() > entry.name.size() && name.ends_with(entry.name);
    return name == entry.name;
  });
}

std::string origin_host(std::string_view normalized_origin) {
  const std::size_t scheme_end = normalized_origin.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view authority = normalized_origin.substr(scheme_end + 3);
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    authority = authority.substr(0, colon);
  }
  return std::string(authority);
}

}  // namespace tandem::server::security
