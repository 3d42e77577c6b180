#pragma once

#include "common/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::bus {

// Where a RedisBus connects, from a redis:// URL.
struct RedisAddress {
  std::string host;  // a name, an IPv4 literal or an IPv6 literal without its brackets
  std::uint16_t port = 6379;
  std::string user;      // Redis 6 ACL user; empty: AUTH with the password alone
  std::string password;  // empty: no AUTH
};

// redis://HOST, redis://HOST:PORT, redis://:PASSWORD@HOST:PORT, redis://USER:PASSWORD@HOST:PORT,
// optionally followed by /DB (a number, accepted and ignored: pub/sub channels are shared by
// every database of a server). The user and password may be percent-encoded. Anything else
// (rediss://, a query, a port out of range) is refused with a message saying why.
Result<RedisAddress, std::string> parse_redis_url(std::string_view url);

// The URL without its password, safe to log: redis://:secret@cache:6379 -> redis://cache:6379.
// Text that is not a redis:// URL loses everything between "://" and its last '@'.
std::string redact_redis_url(std::string_view url);

}  // namespace tandem::bus
