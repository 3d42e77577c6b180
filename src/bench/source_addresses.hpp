#pragma once

#include <boost/asio/ip/address.hpp>

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>

namespace tandem::bench {

// Local addresses for outgoing connections. One source address has about 28,000 ephemeral
// ports towards one server port, so beyond `per_address` connections the next ones come from
// 127.0.0.2, 127.0.0.3, ... (all of 127.0.0.0/8 is the loopback interface on Linux). An IPv6
// target (::1) has one source address only.
class SourceAddresses {
 public:
  static constexpr std::size_t kMaxV4Addresses = 250;

  SourceAddresses(boost::asio::ip::address target, std::size_t per_address);

  // How many connections can be opened at most; used to refuse a plan that needs more.
  std::size_t capacity() const;
  // The source address of the next connection, or nothing when every address is used up.
  // Called from every event loop.
  std::optional<boost::asio::ip::address> next();

 private:
  boost::asio::ip::address target_;
  std::size_t per_address_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace tandem::bench
