#pragma once

#include "bus/redis_url.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

struct redisAsyncContext;
struct redisReply;

namespace tandem::bus {

// One hiredis async connection to Redis, run by the bus thread's io_context (hiredis_asio.hpp).
// It connects, authenticates when the URL has a password, and is ready once Redis answered a
// PING. Every method, and every event, runs on that io_context's thread. Events that could
// lead the owner to destroy the connection (ready, lost) are posted, never called from inside
// hiredis; the owner destroys it only from its own handlers, never from `push`.
class RedisConnection {
 public:
  struct Events {
    std::function<void()> ready;
    // Connecting failed or the connection is gone; at most once. Never reported by the
    // destructor, but one posted just before it may still run: owners tell stale events apart.
    std::function<void(std::string reason)> lost;
    // A pub/sub reply (message, subscribe, unsubscribe), called from inside hiredis.
    std::function<void(const redisReply& reply)> push;
  };

  RedisConnection(boost::asio::io_context& io, std::string role, Events events);
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;
  ~RedisConnection();  // frees the hiredis context; no event is reported any more

  // `ip` is an address literal (resolved beforehand: hiredis would resolve a name blocking).
  void connect(const std::string& ip, std::uint16_t port, const RedisAddress& credentials);

  // A command whose reply only counts: `weight` bytes stay in pending_bytes() until Redis
  // answers (or the connection is gone). False when the connection cannot take it.
  bool send(const std::vector<std::string_view>& args, std::size_t weight = 0);
  // SUBSCRIBE or UNSUBSCRIBE; each channel's confirmation arrives through Events::push.
  bool send_subscription(std::string_view verb, const std::vector<std::string>& channels);

  [[nodiscard]] std::size_t pending_bytes() const { return pending_bytes_; }
  // When Redis last answered anything on this connection (or when it became ready).
  [[nodiscard]] std::chrono::steady_clock::time_point last_answer() const { return last_answer_; }

 private:
  static void on_connect(const redisAsyncContext* context, int status);
  static void on_disconnect(const redisAsyncContext* context, int status);
  static void on_handshake_reply(redisAsyncContext* context, void* reply, void* privdata);
  static void on_counted_reply(redisAsyncContext* context, void* reply, void* privdata);
  static void on_subscription_reply(redisAsyncContext* context, void* reply, void* privdata);

  bool send_argv(const std::vector<std::string_view>& args,
                 void (*callback)(redisAsyncContext*, void*, void*), void* privdata);
  void report_lost(std::string reason);

  boost::asio::io_context& io_;
  std::string role_;  // "subscriber" or "publisher", for messages
  Events events_;
  redisAsyncContext* context_ = nullptr;  // null once hiredis freed it
  bool closing_ = false;
  bool reported_lost_ = false;
  bool authenticating_ = false;
  std::size_t pending_bytes_ = 0;
  std::chrono::steady_clock::time_point last_answer_{};
};

}  // namespace tandem::bus
