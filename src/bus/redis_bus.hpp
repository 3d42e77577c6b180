#pragma once

#include "bus/bus.hpp"
#include "bus/bus_frame.hpp"
#include "bus/redis_url.hpp"
#include "common/result.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

struct redisReply;

namespace tandem::bus {

class RedisConnection;

struct RedisBusOptions {
  std::string url;  // redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]
  // Every channel is prefix + topic, so deployments sharing one Redis do not hear each other.
  std::string prefix = "tandem:";
  // Connecting (resolve, TCP, AUTH, PING, resubscribing) must finish within this, and a
  // connection whose PING stays unanswered this long is dropped (a black-holed Redis).
  std::chrono::milliseconds timeout{3000};
  // How often the publishing connection PINGs Redis while connected.
  std::chrono::milliseconds health_interval{1000};
  // Retries after a failure wait backoff_min, doubling up to backoff_max (with jitter).
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5000};
  // Publications Redis has not answered yet, in bytes; beyond it they are dropped (and counted)
  // rather than queued without bound behind a stalled Redis.
  std::size_t max_pending_bytes = std::size_t{64} << 20;
};

// The Bus of a cluster on Redis pub/sub (docs/bus.md), through hiredis' async API on an
// io_context run by the bus's own thread, so nothing here ever stalls a document loop. Two
// connections: one SUBSCRIBEd to prefix + topic for each topic, one that PUBLISHes. When Redis
// is down or restarts it reconnects by itself (capped exponential backoff), subscribes to every
// topic again and then calls on_reconnect; while disconnected, publish drops and counts.
class RedisBus final : public Bus {
 public:
  // Refuses a bad URL or prefix. Redis being unreachable is no error: the bus is returned
  // anyway and connects when Redis comes up (waits for the first attempt, up to `timeout`).
  static tandem::Result<std::unique_ptr<RedisBus>, std::string> open(RedisBusOptions options);

  RedisBus(const RedisBus&) = delete;
  RedisBus& operator=(const RedisBus&) = delete;
  ~RedisBus() override;  // close()

  void set_listener(Listener listener) override;
  void subscribe(const std::string& topic) override;
  void unsubscribe(const std::string& topic) override;
  void publish(const std::string& topic, std::string payload) override;
  bool shared() const override { return true; }
  BusStats stats() const override;
  // Must not be called from a listener callback (it joins the thread that runs them).
  void close() override;

  // Waits until the bus is connected and Redis confirmed every subscribe and unsubscribe made
  // before the call; false after `timeout`. For tests and tools: nothing else needs to wait.
  bool wait_settled(std::chrono::milliseconds timeout);

 private:
  enum class State { down, connecting, up, closed };

  RedisBus(RedisBusOptions options, RedisAddress address);

  // Everything below runs on the bus thread.
  void attempt();
  void connect_to(const std::string& ip);
  void connection_ready(std::uint64_t generation);
  void receive(std::uint64_t generation, const redisReply& reply);
  void deliver(std::string_view channel, std::string_view message);
  void check_up();
  void became_up();
  void fail(std::uint64_t generation, const std::string& reason);
  void schedule_retry();
  void check_health();
  void send_subscription(bool subscribe, const std::string& topic);
  void send_publish(const std::string& topic, const std::string& message);
  void settle_waiters();
  void shut_down();

  const RedisBusOptions options_;
  const RedisAddress address_;
  const std::string name_;  // the URL without its password, for the log
  const NodeId node_id_;

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer health_timer_;

  // Bus thread only.
  State state_ = State::down;
  std::uint64_t generation_ = 0;  // events of an older attempt's connections are ignored
  std::unique_ptr<RedisConnection> subscriber_;
  std::unique_ptr<RedisConnection> publisher_;
  bool subscriber_ready_ = false;
  bool publisher_ready_ = false;
  bool subscriptions_sent_ = false;  // the attempt's SUBSCRIBE of every topic went out
  std::uint64_t confirms_sent_ = 0;  // channels in (UN)SUBSCRIBEs of this attempt
  std::uint64_t confirms_received_ = 0;
  std::uint64_t up_after_confirms_ = 0;  // confirmations the attempt waits for
  bool ever_up_ = false;
  bool down_logged_ = false;  // the warning for this outage was written
  std::chrono::milliseconds backoff_;
  std::minstd_rand jitter_;
  Listener listener_;
  std::set<std::string, std::less<>> topics_;  // as last told by subscribe/unsubscribe
  struct SettleWaiter {
    std::uint64_t confirms;
    std::promise<bool> done;
  };
  std::vector<SettleWaiter> settle_waiters_;
  std::promise<void> first_attempt_;
  bool first_attempt_done_ = false;

  // Any thread.
  mutable std::mutex mutex_;  // held while posting, so the bus thread sees calls in their order
  std::set<std::string, std::less<>> wanted_topics_;
  bool closed_ = false;
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> publish_dropped_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> disconnects_{0};
  std::atomic<std::uint64_t> reconnects_{0};

  std::thread thread_;  // last: starts once everything it uses exists
};

}  // namespace tandem::bus
