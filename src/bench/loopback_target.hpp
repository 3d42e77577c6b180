#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tandem::bench {

// Where the load goes. Only loopback addresses are accepted: a load generator pointed at
// somebody else's server is an attack, not a benchmark.
struct LoopbackTarget {
  boost::asio::ip::address address;
  std::uint16_t port = 0;
  std::string host_header;  // "HOST:PORT" as the Host header carries it
};

// Parses "http://HOST:PORT" (a trailing "/" allowed; no path, query, user or fragment). HOST
// must be 127.0.0.0/8, ::1 or "localhost"; anything else is refused with a message saying so.
Result<LoopbackTarget, std::string> parse_loopback_url(std::string_view url);

}  // namespace tandem::bench
