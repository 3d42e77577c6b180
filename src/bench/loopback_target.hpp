#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// Every --url of a run, in order; the first one refused refuses them all, so no run loads a
// cluster of which one node is not on loopback.
Result<std::vector<LoopbackTarget>, std::string> parse_loopback_urls(
    const std::vector<std::string>& urls);

}  // namespace tandem::bench
