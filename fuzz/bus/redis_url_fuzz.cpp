// redis:// URLs as written by people: arbitrary bytes never crash the parser or the redaction,
// redacting twice changes nothing more, a parsed address is sane, and the password of a URL
// that parsed never survives redaction.

#include <cstdint>
#include <string>
#include <string_view>

#include "bus/redis_url.hpp"
#include "fuzz_require.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tandem::bus;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const std::string once = redact_redis_url(text);
  require(redact_redis_url(once) == once);

  auto parsed = parse_redis_url(text);
  if (parsed.ok()) {
    const RedisAddress& address = parsed.value();
    require(!address.host.empty());
    require(address.port != 0);
    if (!address.password.empty()) {
      // What is left between "://" and the last '@' is the user alone: no ':' and no password.
      const auto start = once.find("://") + 3;
      const auto at = once.rfind('@');
      if (at != std::string::npos && at >= start) {
        require(once.substr(start, at - start).find(':') == std::string::npos);
      }
      // A redacted URL with no user part left parses to the same place, without a password.
      if (address.user.empty()) {
        auto again = parse_redis_url(once);
        require(again.ok());
        require(again.value().host == address.host && again.value().port == address.port);
        require(again.value().password.empty());
      }
    }
  } else {
    require(!parsed.error().empty());
  }

  // The input as a password, percent-encoded the way docs/configuration.md says.
  std::string encoded;
  for (const unsigned char c : text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    encoded += '%';
    encoded += kHex[c >> 4];
    encoded += kHex[c & 0xF];
  }
  if (!text.empty()) {
    auto with_password = parse_redis_url("redis://:" + encoded + "@cache.internal:6379/0");
    require(with_password.ok());
    require(with_password.value().password == text);
    require(redact_redis_url("redis://:" + encoded + "@cache.internal:6379/0") ==
            "redis://cache.internal:6379/0");
  }
  return 0;
}
