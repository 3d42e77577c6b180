#include "server/security/client_address.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

namespace tandem::server::security {
namespace {

using boost::asio::ip::address;

// The longest IPv6 text, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255".
constexpr std::size_t kMaxAddressText = 45;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// A bare IPv4 or IPv6 address and nothing else: no zone id, no brackets, no port.
std::optional<address> parse_ip(std::string_view text) {
  if (text.empty() || text.size() > kMaxAddressText) return std::nullopt;
  const bool v6 = text.find(':') != std::string_view::npos;
  const bool charset_ok = std::all_of(text.begin(), text.end(), [v6](char c) {
    return c == '.' || (v6 ? (c == ':' || is_hex(c)) : is_digit(c));
  });
  if (!charset_ok) return std::nullopt;
  boost::system::error_code ec;
  const std::string copy(text);
  address parsed = v6 ? address(boost::asio::ip::make_address_v6(copy, ec))
                      : address(boost::asio::ip::make_address_v4(copy, ec));
  if (ec) return std::nullopt;
  return unmap_v4(parsed);
}

// 1-`max_digits` decimal digits as a number.
std::optional<unsigned> parse_decimal(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  unsigned value = 0;
  for (const char c : text) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

// 1-5 digits up to 65535.
bool is_port(std::string_view text) {
  const auto value = parse_decimal(text, 5);
  return value && *value <= 65535;
}

// RFC 7239 obfnode / obfport: "_" 1*( ALPHA / DIGIT / "." / "_" / "-" ).
bool is_obfuscated(std::string_view text) {
  if (text.size() < 2 || text.front() != '_') return false;
  return std::all_of(text.begin() + 1, text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
  });
}

// "[v6]" or "[v6]:port" as the address; nullopt for anything else.
std::optional<address> parse_bracketed(std::string_view text, bool obfuscated_port_ok) {
  const std::size_t close = text.find(']');
  if (text.empty() || text.front() != '[' || close == std::string_view::npos) return std::nullopt;
  const std::string_view after = text.substr(close + 1);
  if (!after.empty()) {
    if (after.front() != ':') return std::nullopt;
    const std::string_view port = after.substr(1);
    if (!is_port(port) && !(obfuscated_port_ok && is_obfuscated(port))) return std::nullopt;
  }
  const std::string_view inside = text.substr(1, close - 1);
  if (inside.find(':') == std::string_view::npos) return std::nullopt;
  return parse_ip(inside);
}

// An X-Forwarded-For entry: an IPv4 or IPv6 address, with a port as some proxies add it
// ("1.2.3.4:5678", "[2001:db8::1]:5678").
std::optional<address> parse_xff_entry(std::string_view entry) {
  if (entry.front() == '[') return parse_bracketed(entry, false);
  const std::size_t colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    if (!is_port(entry.substr(colon + 1))) return std::nullopt;
    entry = entry.substr(0, colon);
    if (entry.find('.') == std::string_view::npos) return std::nullopt;
  }
  return parse_ip(entry);
}

std::optional<address> walk_x_forwarded_for(std::string_view header,
                                            const TrustedProxies& proxies) {
  std::optional<address> leftmost;
  while (true) {
    const std::size_t comma = header.rfind(',');
    const std::string_view entry =
        trim(comma == std::string_view::npos ? header : header.substr(comma + 1));
    if (!entry.empty()) {
      auto hop = parse_xff_entry(entry);
      if (!hop) return std::nullopt;
      if (!proxies.contains(*hop)) return hop;
      leftmost = hop;
    }
    if (comma == std::string_view::npos) return leftmost;
    header = header.substr(0, comma);
  }
}

// tchar of RFC 9110 §5.6.2.
bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

// Splits on `separator` outside quoted strings; nullopt if a quote is left open.
std::optional<std::vector<std::string_view>> split_outside_quotes(std::string_view text,
                                                                  char separator) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (quoted) return std::nullopt;
  parts.push_back(text.substr(std::min(start, text.size())));
  return parts;
}

// A pair's value: a token, or a quoted-string unescaped.
std::optional<std::string> parse_value(std::string_view value) {
  if (value.empty() || value.front() != '"') {
    if (!is_token(value)) return std::nullopt;
    return std::string(value);
  }
  if (value.size() < 2 || value.back() != '"') return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i + 1 < value.size(); ++i) {
    char c = value[i];
    if (c == '\\') {
      if (i + 2 >= value.size()) return std::nullopt;  // escapes the closing quote
      c = value[++i];
    } else if (c == '"') {
      return std::nullopt;
    }
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7F) return std::nullopt;
    out += c;
  }
  return out;
}

// The value of parameter `wanted` (lowercase) in one Forwarded element; nullopt if the
// element is broken or lacks it.
std::optional<std::string> forwarded_parameter(std::string_view element, std::string_view wanted) {
  const auto pairs = split_outside_quotes(element, ';');
  if (!pairs) return std::nullopt;
  std::optional<std::string> found;
  for (const std::string_view raw : *pairs) {
    const std::string_view pair = trim(raw);
    if (pair.empty()) continue;
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos || !is_token(pair.substr(0, equals))) return std::nullopt;
    auto value = parse_value(pair.substr(equals + 1));
    if (!value) return std::nullopt;
    std::string name(pair.substr(0, equals));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name != wanted) continue;
    if (found) return std::nullopt;  // RFC 7239 §4: a parameter at most once per element
    // Proxies never escape inside the addresses and schemes read here; a quoted-pair means a
    // hand-made value, refused rather than unescaped into an address nobody wrote.
    if (pair.substr(equals + 1).find('\\') != std::string_view::npos) return std::nullopt;
    found = std::move(value);
  }
  return found;
}

bool is_https(std::string_view scheme) {
  scheme = trim(scheme);
  return scheme.size() == 5 &&
         std::equal(scheme.begin(), scheme.end(), "https", [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

// The for= node of one Forwarded element as an address; nullopt when the element is broken,
// has no for=, or names the node "unknown" or by an obfuscated identifier.
std::optional<address> forwarded_for(std::string_view element) {
  const std::optional<std::string> node = forwarded_parameter(element, "for");
  if (!node || node->empty()) return std::nullopt;
  const std::string_view text = *node;
  if (text.front() == '[') return parse_bracketed(text, true);
  const std::size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view port = text.substr(colon + 1);
    if (!is_port(port) && !is_obfuscated(port)) return std::nullopt;
  }
  // IPv4 only here: an IPv6 node must be in brackets; "unknown" and "_hidden" are not parsed.
  const std::string_view name = text.substr(0, colon);
  if (name.find(':') != std::string_view::npos) return std::nullopt;
  return parse_ip(name);
}

std::optional<address> walk_forwarded(std::string_view header, const TrustedProxies& proxies) {
  const auto elements = split_outside_quotes(header, ',');
  if (!elements) return std::nullopt;
  std::optional<address> leftmost;
  for (auto it = elements->rbegin(); it != elements->rend(); ++it) {
    const std::string_view element = trim(*it);
    if (element.empty()) continue;
    auto hop = forwarded_for(element);
    if (!hop) return std::nullopt;
    if (!proxies.contains(*hop)) return hop;
    leftmost = hop;
  }
  return leftmost;
}

// Whether the first `prefix` bits of a and b agree.
bool prefix_equal(const unsigned char* a, const unsigned char* b, unsigned prefix) {
  const unsigned whole = prefix / 8;
  if (!std::equal(a, a + whole, b)) return false;
  const unsigned rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xFFU << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

address unmap_v4(const address& value) {
  if (value.is_v6() && value.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, value.to_v6());
  }
  return value;
}

tandem::Result<TrustedProxies, std::string> TrustedProxies::parse(
    const std::vector<std::string>& cidrs, ProxyHeader header) {
  TrustedProxies proxies;
  proxies.header_ = header;
  for (const std::string& entry : cidrs) {
    const std::string bad = "trusted proxy \"" + entry + "\" ";
    const std::string_view text = trim(entry);
    const std::size_t slash = text.find('/');
    auto base = parse_ip(text.substr(0, slash));
    if (!base) return bad + "is not an IPv4 or IPv6 address or network (a.b.c.d/n, x:y::/n)";
    // parse_ip unmapped ::ffff:a.b.c.d; its prefix counts the 96 bits of the mapping too.
    const bool written_as_v6 = text.substr(0, slash).find(':') != std::string_view::npos;
    Network network;
    network.v4 = base->is_v4();
    const unsigned max_prefix = network.v4 ? 32 : 128;
    network.prefix = max_prefix;
    if (slash != std::string_view::npos) {
      const auto parsed_prefix = parse_decimal(text.substr(slash + 1), 3);
      if (!parsed_prefix) return bad + "has a bad prefix length";
      unsigned prefix = *parsed_prefix;
      if (network.v4 && written_as_v6) {
        if (prefix < 96 || prefix > 128) return bad + "maps IPv4 with a prefix outside 96..128";
        prefix -= 96;
      }
      if (prefix > max_prefix) return bad + "has a prefix longer than the address";
      network.prefix = prefix;
    }
    if (network.v4) {
      const auto bytes = base->to_v4().to_bytes();
      std::copy(bytes.begin(), bytes.end(), network.bytes.begin());
    } else {
      network.bytes = base->to_v6().to_bytes();
    }
    const unsigned width = network.v4 ? 4 : 16;
    for (unsigned bit = network.prefix; bit < width * 8; ++bit) {
      if ((network.bytes[bit / 8] >> (7 - bit % 8)) & 1U) {
        return bad + "has bits set beyond its prefix length (did you mean the network?)";
      }
    }
    proxies.networks_.push_back(network);
  }
  return proxies;
}

bool TrustedProxies::contains(const address& value) const {
  const address plain = unmap_v4(value);
  std::array<unsigned char, 16> bytes{};
  if (plain.is_v4()) {
    const auto v4 = plain.to_v4().to_bytes();
    std::copy(v4.begin(), v4.end(), bytes.begin());
  } else {
    bytes = plain.to_v6().to_bytes();
  }
  return std::any_of(networks_.begin(), networks_.end(), [&](const Network& network) {
    return network.v4 == plain.is_v4() &&
           prefix_equal(network.bytes.data(), bytes.data(), network.prefix);
  });
}

address client_address(const address& peer, std::string_view x_forwarded_for,
                       std::string_view forwarded, const TrustedProxies& proxies) {
  address self = unmap_v4(peer);
  if (!proxies.contains(self)) return self;
  const bool use_forwarded = proxies.header() == ProxyHeader::kForwarded ||
                             (proxies.header() == ProxyHeader::kEither && !trim(forwarded).empty());
  const auto found = use_forwarded ? walk_forwarded(forwarded, proxies)
                                   : walk_x_forwarded_for(x_forwarded_for, proxies);
  return found.value_or(self);
}

bool forwarded_tls(const address& peer, std::string_view x_forwarded_proto,
                   std::string_view forwarded, const TrustedProxies& proxies) {
  if (!proxies.contains(peer)) return false;
  const bool use_forwarded = proxies.header() == ProxyHeader::kForwarded ||
                             (proxies.header() == ProxyHeader::kEither && !trim(forwarded).empty());
  if (!use_forwarded) {
    const std::size_t comma = x_forwarded_proto.rfind(',');
    return is_https(comma == std::string_view::npos ? x_forwarded_proto
                                                    : x_forwarded_proto.substr(comma + 1));
  }
  const auto elements = split_outside_quotes(forwarded, ',');
  if (!elements) return false;
  for (auto it = elements->rbegin(); it != elements->rend(); ++it) {
    if (trim(*it).empty()) continue;
    const auto proto = forwarded_parameter(trim(*it), "proto");
    return proto && is_https(*proto);
  }
  return false;
}

}  // namespace tandem::server::security
