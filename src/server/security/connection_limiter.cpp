#include "server/security/connection_limiter.hpp"

#include <algorithm>
#include <utility>

#include "server/security/client_address.hpp"

namespace tandem::server::security {

ConnectionLimiter::Lease::Lease(Lease&& other) noexcept
    : limiter_(std::exchange(other.limiter_, nullptr)), key_(other.key_) {}

ConnectionLimiter::Lease& ConnectionLimiter::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    limiter_ = std::exchange(other.limiter_, nullptr);
    key_ = other.key_;
  }
  return *this;
}

ConnectionLimiter::Lease::~Lease() { release(); }

void ConnectionLimiter::Lease::release() noexcept {
  if (limiter_ != nullptr) std::exchange(limiter_, nullptr)->release(key_);
}

ConnectionLimiter::ConnectionLimiter(std::size_t per_ip) : per_ip_(per_ip) {}

ConnectionLimiter::Key ConnectionLimiter::key_for(const boost::asio::ip::address& client) {
  const boost::asio::ip::address plain = unmap_v4(client);
  Key key;
  if (plain.is_v4()) {
    key.v4 = true;
    const auto bytes = plain.to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), key.bytes.begin());
  } else {
    const auto bytes = plain.to_v6().to_bytes();
    std::copy_n(bytes.begin(), key.bytes.size(), key.bytes.begin());
  }
  return key;
}

std::size_t ConnectionLimiter::KeyHash::operator()(const Key& key) const noexcept {
  // FNV-1a: keys are chosen by clients, but a shard holds few enough that collisions are cheap.
  std::uint64_t hash = 0xCBF29CE484222325ULL ^ (key.v4 ? 1U : 0U);
  for (const unsigned char byte : key.bytes) {
    hash = (hash ^ byte) * 0x100000001B3ULL;
  }
  return static_cast<std::size_t>(hash);
}

ConnectionLimiter::Shard& ConnectionLimiter::shard_for(const Key& key) {
  return shards_[KeyHash{}(key) % kShards];
}

const ConnectionLimiter::Shard& ConnectionLimiter::shard_for(const Key& key) const {
  return shards_[KeyHash{}(key) % kShards];
}

std::optional<ConnectionLimiter::Lease> ConnectionLimiter::acquire(
    const boost::asio::ip::address& client) {
  const Key key = key_for(client);
  Shard& shard = shard_for(key);
  {
    std::lock_guard lock(shard.mutex);
    std::size_t& count = shard.counts[key];
    if (per_ip_ == 0 || count < per_ip_) {
      ++count;
      return Lease(this, key);
    }
  }
  refused_.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

void ConnectionLimiter::release(const Key& key) noexcept {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.counts.find(key);
  if (it == shard.counts.end()) return;
  // Erasing at zero keeps the map as small as the set of connected clients.
  if (--it->second == 0) shard.counts.erase(it);
}

std::size_t ConnectionLimiter::count(const boost::asio::ip::address& client) const {
  const Key key = key_for(client);
  const Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.counts.find(key);
  return it == shard.counts.end() ? 0 : it->second;
}

ConnectionLimiter::Stats ConnectionLimiter::stats() const {
  Stats stats;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    stats.clients += shard.counts.size();
    for (const auto& entry : shard.counts) stats.connections += entry.second;
  }
  stats.refused = refused_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace tandem::server::security
