#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace tandem::app {

// A parsed value, or a human explanation of why the text is not one.
template <typename T>
using Parsed = std::variant<T, std::string>;

// "16384", "16KiB", "1MiB", "2GiB" (K/M/G and KB/MB/GB are read as binary units too).
Parsed<std::uint64_t> parse_size(std::string_view text);
// "500ms", "10s", "2m", "1h".
Parsed<std::chrono::milliseconds> parse_duration(std::string_view text);
// "127.0.0.1:8080", "[::1]:8080", "localhost:0"; names other than localhost are refused so the
// bound address is never a surprise.
Parsed<boost::asio::ip::tcp::endpoint> parse_endpoint(std::string_view text);
Parsed<std::uint64_t> parse_unsigned(std::string_view text);

std::string format_size(std::uint64_t bytes);
std::string format_duration(std::chrono::milliseconds duration);
std::string format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace tandem::app
