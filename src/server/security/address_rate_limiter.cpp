#include "server/security/address_rate_limiter.hpp"

#include <algorithm>
#include <cstdint>

namespace tandem::server::security {

std::size_t AddressRateLimiter::KeyHash::operator()(const Key& key) const noexcept {
  // FNV-1a, as ConnectionLimiter does: a shard holds few keys, collisions are cheap.
  std::uint64_t hash = 0xCBF29CE484222325ULL ^ (key.v4 ? 1U : 0U);
  for (const unsigned char byte : key.bytes) hash = (hash ^ byte) * 0x100000001B3ULL;
  return static_cast<std::size_t>(hash);
}

AddressRateLimiter::AddressRateLimiter(RateLimit limit) : limit_(limit) {}

std::chrono::milliseconds AddressRateLimiter::take(const boost::asio::ip::address& client,
                                                   Clock::time_point now) {
  if (limit_.unlimited()) return std::chrono::milliseconds(0);
  const Key key = ConnectionLimiter::key_for(client);
  Shard& shard = shards_[KeyHash{}(key) % kShards];
  const std::lock_guard lock(shard.mutex);
  if (shard.buckets.size() >= shard.prune_at) {
    // A refilled bucket is the same as no bucket: dropping it forgets nothing.
    std::erase_if(shard.buckets, [now](const auto& entry) { return entry.second.full(now); });
    shard.prune_at = std::max<std::size_t>(1024, shard.buckets.size() * 2);
  }
  auto [found, inserted] = shard.buckets.try_emplace(key, limit_, now);
  return found->second.take(now);
}

std::size_t AddressRateLimiter::tracked() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    const std::lock_guard lock(shard.mutex);
    total += shard.buckets.size();
  }
  return total;
}

}  // namespace tandem::server::security
