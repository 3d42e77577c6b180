#pragma once

#include <array>
#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace tandem::server::security {

// Caps the open connections per client address, across all event loops. IPv4 addresses
// count one by one; IPv6 addresses count per /64, because one subscriber normally gets a
// whole /64 and picks addresses in it at will (privacy addresses), so counting per /128
// would limit nothing. Clients behind one NAT, or sharing one /64, share their allowance.
class ConnectionLimiter {
 public:
  // The key a client counts under: IPv4 (mapped or not) or the /64 of an IPv6 address.
  struct Key {
    bool v4 = false;
    std::array<unsigned char, 8> bytes{};  // IPv4 in the first 4

    friend bool operator==(const Key&, const Key&) = default;
  };

  // A held connection slot; destroying it frees the slot. Move-only; may be moved to and
  // destroyed on any thread. The limiter must outlive its leases.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

   private:
    friend class ConnectionLimiter;
    Lease(ConnectionLimiter* limiter, Key key) : limiter_(limiter), key_(key) {}
    void release() noexcept;

    ConnectionLimiter* limiter_;
    Key key_;
  };

  struct Stats {
    std::size_t clients = 0;      // keys (addresses, /64s) with at least one connection
    std::size_t connections = 0;  // leases held
    std::uint64_t refused = 0;    // acquire() calls answered with nullopt, since start
  };

  // At most `per_ip` connections per key; 0 means unlimited (still counted, for stats()).
  explicit ConnectionLimiter(std::size_t per_ip);
  ConnectionLimiter(const ConnectionLimiter&) = delete;
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;
  ~ConnectionLimiter() = default;

  // A lease if `client` is under its limit, else nullopt (answer 429 / close the socket).
  std::optional<Lease> acquire(const boost::asio::ip::address& client);

  // Connections held by the key `client` counts under.
  [[nodiscard]] std::size_t count(const boost::asio::ip::address& client) const;
  [[nodiscard]] Stats stats() const;
  [[nodiscard]] std::size_t per_ip() const { return per_ip_; }

  static Key key_for(const boost::asio::ip::address& client);

 private:
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept;
  };
  // Independent locks so loops accepting different clients rarely wait on each other.
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<Key, std::size_t, KeyHash> counts;
  };
  static constexpr std::size_t kShards = 16;

  Shard& shard_for(const Key& key);
  const Shard& shard_for(const Key& key) const;
  void release(const Key& key) noexcept;

  std::size_t per_ip_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace tandem::server::security
