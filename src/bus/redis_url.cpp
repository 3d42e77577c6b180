#include "bus/redis_url.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace tandem::bus {
namespace {

constexpr std::string_view kScheme = "redis://";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes, so a password may hold '@', ':' or '/'.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
}

bool is_ipv6_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

using Parsed = Result<RedisAddress, std::string>;

// HOST, HOST:PORT, [V6] or [V6]:PORT into `address`; returns the problem, if any.
std::optional<std::string> parse_host_port(std::string_view text, RedisAddress& address) {
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return "an IPv6 address needs its closing ']'";
    address.host = std::string(text.substr(1, close - 1));
    if (address.host.empty() ||
        !std::all_of(address.host.begin(), address.host.end(), is_ipv6_char)) {
      return "not an IPv6 address between '[' and ']'";
    }
    const std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return "expected ':PORT' after ']'";
      port = after.substr(1);
      if (port.empty()) return "a ':' without a port after it";
    }
  } else {
    if (std::count(text.begin(), text.end(), ':') > 1) {
      return "an IPv6 address goes between '[' and ']': redis://[::1]:6379";
    }
    const auto colon = text.find(':');
    const std::string_view host = text.substr(0, colon);
    if (host.empty()) return "no host";
    if (!std::all_of(host.begin(), host.end(), is_host_char)) {
      return "the host may hold only letters, digits, '.', '-' and '_' (an IPv6 address goes "
             "between '[' and ']')";
    }
    address.host = std::string(host);
    if (colon != std::string_view::npos) {
      port = text.substr(colon + 1);
      if (port.empty()) return "a ':' without a port after it";
    }
  }
  if (!port.empty()) {
    if (!all_digits(port) || port.size() > 5) return "the port must be a number from 1 to 65535";
    const unsigned long value = std::stoul(std::string(port));
    if (value == 0 || value > 65535) return "the port must be a number from 1 to 65535";
    address.port = static_cast<std::uint16_t>(value);
  }
  return std::nullopt;
}

}  // namespace

Result<RedisAddress, std::string> parse_redis_url(std::string_view url) {
  if (url.starts_with("rediss://")) {
    return std::string("TLS (rediss://) is not supported; use redis:// on a trusted network");
  }
  if (!url.starts_with(kScheme)) return std::string("expected a redis://HOST:PORT URL");
  std::string_view rest = url.substr(kScheme.size());
  // The last '@' ends the user part: an unencoded '@' in a password still works.
  const auto at = rest.rfind('@');
  RedisAddress address;
  if (at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      return std::string(
          "a user without a password; write redis://:PASSWORD@HOST or "
          "redis://USER:PASSWORD@HOST");
    }
    auto user = percent_decode(userinfo.substr(0, colon));
    auto password = percent_decode(userinfo.substr(colon + 1));
    if (!user || !password) return std::string("a bad %XX escape in the user or password");
    if (password->empty()) return std::string("an empty password after ':'");
    address.user = std::move(*user);
    address.password = std::move(*password);
    rest = rest.substr(at + 1);
  }
  const auto authority_end = rest.find_first_of("/?#");
  if (auto problem = parse_host_port(rest.substr(0, authority_end), address)) return *problem;
  if (authority_end == std::string_view::npos) return address;
  const std::string_view tail = rest.substr(authority_end);
  if (tail.front() != '/') return std::string("query strings and fragments are not supported");
  // A database number changes nothing for pub/sub; accepted so a URL shared with other tools
  // works.
  const std::string_view database = tail.substr(1);
  if (!database.empty() && (!all_digits(database) || database.size() > 5)) {
    return std::string("expected /DB (a database number, ignored) after the host");
  }
  return address;
}

std::string redact_redis_url(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const auto userinfo_start = scheme + 3;
  const auto at = url.rfind('@');
  if (at == std::string_view::npos || at < userinfo_start) return std::string(url);
  const std::string_view userinfo = url.substr(userinfo_start, at - userinfo_start);
  const std::string_view user = userinfo.substr(0, userinfo.find(':'));
  std::string out(url.substr(0, userinfo_start));
  if (!user.empty()) {
    out += user;
    out += '@';
  }
  out += url.substr(at + 1);
  return out;
}

}  // namespace tandem::bus
