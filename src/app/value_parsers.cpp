#include "app/value_parsers.hpp"

#include <boost/asio/ip/address.hpp>

#include <array>
#include <charconv>
#include <limits>

namespace tandem::app {

namespace {

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = kKiB * 1024;
constexpr std::uint64_t kGiB = kMiB * 1024;

// Splits "16KiB" into 16 and "KiB"; fails on a missing or overflowing number.
bool split_number(std::string_view text, std::uint64_t& number, std::string_view& unit) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, number);
  if (ec != std::errc{} || ptr == text.data()) return false;
  unit = std::string_view(ptr, static_cast<std::size_t>(end - ptr));
  return true;
}

}  // namespace

Parsed<std::uint64_t> parse_unsigned(std::string_view text) {
  std::uint64_t number = 0;
  std::string_view rest;
  if (!split_number(text, number, rest) || !rest.empty()) {
    return std::string("expected a non-negative integer, got \"") + std::string(text) + "\"";
  }
  return number;
}

Parsed<std::uint64_t> parse_size(std::string_view text) {
  struct Unit {
    std::string_view name;
    std::uint64_t factor;
  };
  static constexpr std::array<Unit, 10> kUnits{{{"", 1},
                                                {"B", 1},
                                                {"K", kKiB},
                                                {"KB", kKiB},
                                                {"KiB", kKiB},
                                                {"M", kMiB},
                                                {"MB", kMiB},
                                                {"MiB", kMiB},
                                                {"GB", kGiB},
                                                {"GiB", kGiB}}};
  std::uint64_t number = 0;
  std::string_view unit;
  if (split_number(text, number, unit)) {
    for (const Unit& candidate : kUnits) {
      if (candidate.name != unit) continue;
      if (number > std::numeric_limits<std::uint64_t>::max() / candidate.factor) break;
      return number * candidate.factor;
    }
  }
  return std::string("expected a size such as 16384, 64KiB or 1MiB, got \"") + std::string(text) +
         "\"";
}

Parsed<std::chrono::milliseconds> parse_duration(std::string_view text) {
  struct Unit {
    std::string_view name;
    std::uint64_t millis;
  };
  static constexpr std::array<Unit, 4> kUnits{
      {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}}};
  std::uint64_t number = 0;
  std::string_view unit;
  if (split_number(text, number, unit)) {
    for (const Unit& candidate : kUnits) {
      if (candidate.name != unit) continue;
      // Keep far below the int64 range so deadlines computed from it never overflow.
      if (number > (1ULL << 40) / candidate.millis) break;
      return std::chrono::milliseconds(number * candidate.millis);
    }
  }
  return std::string("expected a duration such as 500ms, 10s or 2m, got \"") + std::string(text) +
         "\"";
}

Parsed<boost::asio::ip::tcp::endpoint> parse_endpoint(std::string_view text) {
  auto fail = [&] {
    return std::string("expected HOST:PORT such as 127.0.0.1:8080 or [::1]:8080, got \"") +
           std::string(text) + "\"";
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return fail();
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  std::uint64_t port = 0;
  std::string_view rest;
  if (!split_number(port_text, port, rest) || !rest.empty() || port > 65535) return fail();
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) {
    return std::string("\"") + std::string(host) +
           "\" is not an IP address (use 127.0.0.1, 0.0.0.0, ::1 or a host's own address)";
  }
  return boost::asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
}

std::string format_size(std::uint64_t bytes) {
  if (bytes != 0 && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + "MiB";
  if (bytes != 0 && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + "KiB";
  return std::to_string(bytes);
}

std::string format_duration(std::chrono::milliseconds duration) {
  const auto millis = static_cast<std::uint64_t>(duration.count());
  if (millis != 0 && millis % 1000 == 0) return std::to_string(millis / 1000) + "s";
  return std::to_string(millis) + "ms";
}

std::string format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

}  // namespace tandem::app
