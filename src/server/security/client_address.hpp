#pragma once

#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace tandem::server::security {

// Which header the trusted proxies write the client's address into. Whichever it is, the
// proxies must append to it (or overwrite it): a header they pass through untouched is the
// client's to forge, which is why the default reads only X-Forwarded-For, the header nginx,
// Apache, Caddy, HAProxy and cloud load balancers maintain out of the box.
enum class ProxyHeader : std::uint8_t {
  kXForwardedFor,  // X-Forwarded-For only (default)
  kForwarded,      // RFC 7239 Forwarded only
  kEither,         // Forwarded when present, else X-Forwarded-For: only if proxies set both
};

// The reverse proxies whose forwarding headers are believed: IPv4 and IPv6 networks in CIDR
// notation, or bare addresses (/32, /128). IPv4-mapped IPv6 addresses count as IPv4.
class TrustedProxies {
 public:
  TrustedProxies() = default;  // trusts nobody: forwarding headers are ignored

  // Error names the bad entry; a network with host bits set ("10.0.0.1/8") is refused as a
  // likely typo.
  static tandem::Result<TrustedProxies, std::string> parse(
      const std::vector<std::string>& cidrs, ProxyHeader header = ProxyHeader::kXForwardedFor);

  [[nodiscard]] bool contains(const boost::asio::ip::address& address) const;
  [[nodiscard]] bool empty() const { return networks_.empty(); }
  [[nodiscard]] ProxyHeader header() const { return header_; }

 private:
  struct Network {
    bool v4 = false;
    std::array<unsigned char, 16> bytes{};  // IPv4 in the first 4
    unsigned prefix = 0;
  };

  std::vector<Network> networks_;
  ProxyHeader header_ = ProxyHeader::kXForwardedFor;
};

// ::ffff:a.b.c.d as a.b.c.d; every other address unchanged.
boost::asio::ip::address unmap_v4(const boost::asio::ip::address& address);

// The address of the client behind `peer` (the TCP peer). Only when the peer is a trusted
// proxy are its headers read, walking the hops from the right (nearest) and skipping
// addresses that are themselves trusted proxies; the first other address is the client (all
// trusted: the leftmost). An unparsable hop, an "unknown" or obfuscated node, or a Forwarded
// element without for= reached before that gives the peer: a client behind a proxy can put
// garbage to the left of what its proxy appends, never to the right. Several header lines of
// one name must be joined with ", " in order. The result is unmap_v4'd; it is always the
// peer or an address written in the header that was read.
boost::asio::ip::address client_address(const boost::asio::ip::address& peer,
                                        std::string_view x_forwarded_for,
                                        std::string_view forwarded, const TrustedProxies& proxies);

// Whether the client reached the nearest trusted proxy over https, for the same-origin check
// behind a TLS-terminating proxy: the rightmost X-Forwarded-Proto value, or the proto= of
// the rightmost Forwarded element (per proxies.header()), read only when `peer` is a trusted
// proxy; false otherwise. In a chain of proxies the inner ones must pass the outer's value on.
bool forwarded_tls(const boost::asio::ip::address& peer, std::string_view x_forwarded_proto,
                   std::string_view forwarded, const TrustedProxies& proxies);

}  // namespace tandem::server::security
