#include "bench/source_addresses.hpp"

namespace tandem::bench {

SourceAddresses::SourceAddresses(boost::asio::ip::address target, std::size_t per_address)
    : target_(std::move(target)), per_address_(per_address == 0 ? 1 : per_address) {}

std::size_t SourceAddresses::capacity() const {
  return per_address_ * (target_.is_v4() ? kMaxV4Addresses : 1);
}

std::optional<boost::asio::ip::address> SourceAddresses::next() {
  const std::size_t index = next_.fetch_add(1, std::memory_order_relaxed);
  const std::size_t address_index = index / per_address_;
  if (target_.is_v6()) {
    if (address_index > 0) return std::nullopt;
    return target_;
  }
  if (address_index >= kMaxV4Addresses) return std::nullopt;
  // 127.0.0.1, 127.0.0.2, ...: the first one is the usual source for 127.0.0.1.
  const std::uint32_t base = (127u << 24) | 1u;
  return boost::asio::ip::address_v4(base + static_cast<std::uint32_t>(address_index));
}

}  // namespace tandem::bench
