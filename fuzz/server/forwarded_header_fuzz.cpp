// Client address behind proxies: arbitrary X-Forwarded-For and Forwarded headers never crash
// client_address, which answers the peer itself or an address written in the headers, and
// never reads headers from an untrusted peer; forwarded_tls likewise.

#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_require.hpp"
#include "server/security/client_address.hpp"

namespace {

using boost::asio::ip::address;
using namespace tandem::server::security;

bool is_address_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}

// Whether some run of address characters in `text` spells `wanted` (mapped or not).
bool written_in(std::string_view text, const address& wanted) {
  constexpr std::size_t kLongest = 45;
  for (std::size_t start = 0; start < text.size(); ++start) {
    if (!is_address_char(text[start])) continue;
    for (std::size_t end = start + 1; end <= text.size() && end - start <= kLongest; ++end) {
      if (!is_address_char(text[end - 1])) break;
      boost::system::error_code ec;
      const address parsed =
          boost::asio::ip::make_address(std::string(text.substr(start, end - start)), ec);
      if (!ec && unmap_v4(parsed) == wanted) return true;
    }
  }
  return false;
}

const TrustedProxies& proxies(ProxyHeader header) {
  static const std::array<TrustedProxies, 3> all = [] {
    std::array<TrustedProxies, 3> out;
    for (int i = 0; i < 3; ++i) {
      out[static_cast<std::size_t>(i)] =
          TrustedProxies::parse({"10.0.0.0/8", "192.168.0.0/16", "fd00::/8", "::1"},
                                static_cast<ProxyHeader>(i))
              .value();
    }
    return out;
  }();
  return all[static_cast<std::size_t>(header)];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 4096) return 0;
  static const std::array<address, 6> kPeers = {
      boost::asio::ip::make_address("10.0.0.5"),
      boost::asio::ip::make_address("::ffff:10.0.0.5"),
      boost::asio::ip::make_address("fd00::7"),
      boost::asio::ip::make_address("203.0.113.9"),
      boost::asio::ip::make_address("2001:db8::1"),
      boost::asio::ip::make_address("::ffff:1.2.3.4"),
  };
  const address& peer = kPeers[data[0] % kPeers.size()];
  const auto header = static_cast<ProxyHeader>((data[0] / kPeers.size()) % 3);
  const TrustedProxies& trusted = proxies(header);
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t split = rest.find('\n');
  const std::string_view xff = rest.substr(0, split);
  const std::string_view forwarded =
      split == std::string_view::npos ? std::string_view() : rest.substr(split + 1);

  const address result = client_address(peer, xff, forwarded, trusted);
  const address self = unmap_v4(peer);
  // The same bytes as X-Forwarded-Proto: only a trusted peer's headers can claim https.
  const bool tls = forwarded_tls(peer, xff, forwarded, trusted);
  require(!tls || trusted.contains(self));
  require(!(result.is_v6() && result.to_v6().is_v4_mapped()));
  if (!trusted.contains(self)) {
    require(result == self);
    return 0;
  }
  if (result == self) return 0;
  const bool from_forwarded = header == ProxyHeader::kForwarded ||
                              (header == ProxyHeader::kEither &&
                               forwarded.find_first_not_of(" \t") != std::string_view::npos);
  require(written_in(from_forwarded ? forwarded : xff, result));
  return 0;
}
