#include "bus/redis_bus.hpp"

#include "bus/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <utility>

namespace tandem::bus {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

std::string_view text_of(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_STRING || reply.str == nullptr) return {};
  return {reply.str, reply.len};
}

std::uint32_t seed_from(const NodeId& id) {
  std::uint32_t seed = 0;
  for (char byte : id) seed = seed * 131 + static_cast<unsigned char>(byte);
  return seed;
}

}  // namespace

tandem::Result<std::unique_ptr<RedisBus>, std::string> RedisBus::open(RedisBusOptions options) {
  auto address = parse_redis_url(options.url);
  if (!address.ok()) return "bus " + redact_redis_url(options.url) + ": " + address.error();
  if (options.backoff_min <= 0ms || options.backoff_max < options.backoff_min ||
      options.timeout <= 0ms || options.health_interval <= 0ms) {
    return std::string("bus: timeouts and backoffs must be positive, backoff_min <= backoff_max");
  }
  std::unique_ptr<RedisBus> bus(new RedisBus(std::move(options), std::move(address).value()));
  auto first_attempt = bus->first_attempt_.get_future();
  asio::post(bus->io_, [raw = bus.get()] { raw->attempt(); });
  // The first outcome is logged before the node says it listens; a dead Redis is no reason to
  // wait longer than that.
  first_attempt.wait_for(bus->options_.timeout + 1s);
  return bus;
}

RedisBus::RedisBus(RedisBusOptions options, RedisAddress address)
    : options_(std::move(options)),
      address_(std::move(address)),
      name_(redact_redis_url(options_.url)),
      node_id_(random_node_id()),
      work_(asio::make_work_guard(io_)),
      resolver_(io_),
      connect_timer_(io_),
      retry_timer_(io_),
      health_timer_(io_),
      backoff_(options_.backoff_min),
      jitter_(seed_from(node_id_)),
      thread_([this] { io_.run(); }) {}

RedisBus::~RedisBus() { close(); }

void RedisBus::set_listener(Listener listener) {
  const std::lock_guard lock(mutex_);
  if (closed_) return;
  asio::post(io_,
             [this, listener = std::move(listener)]() mutable { listener_ = std::move(listener); });
}

void RedisBus::subscribe(const std::string& topic) {
  const std::lock_guard lock(mutex_);
  if (closed_ || !wanted_topics_.insert(topic).second) return;
  asio::post(io_, [this, topic] { send_subscription(true, topic); });
}

void RedisBus::unsubscribe(const std::string& topic) {
  const std::lock_guard lock(mutex_);
  if (closed_ || wanted_topics_.erase(topic) == 0) return;
  asio::post(io_, [this, topic] { send_subscription(false, topic); });
}

void RedisBus::publish(const std::string& topic, std::string payload) {
  // Checked here first so an outage costs no allocation and no trip to the bus thread.
  if (!connected_.load(std::memory_order_relaxed)) {
    ++publish_dropped_;
    return;
  }
  std::string message = encode_frame(node_id_, payload);
  const std::lock_guard lock(mutex_);
  if (closed_) return;
  asio::post(io_, [this, topic, message = std::move(message)] { send_publish(topic, message); });
}

BusStats RedisBus::stats() const {
  BusStats stats;
  stats.connected = connected_.load();
  stats.published = published_.load();
  stats.publish_dropped = publish_dropped_.load();
  stats.received = received_.load();
  stats.disconnects = disconnects_.load();
  stats.reconnects = reconnects_.load();
  const std::lock_guard lock(mutex_);
  stats.subscribed_topics = wanted_topics_.size();
  return stats;
}

void RedisBus::close() {
  {
    const std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    asio::post(io_, [this] { shut_down(); });
  }
  if (thread_.joinable()) thread_.join();
}

bool RedisBus::wait_settled(std::chrono::milliseconds timeout) {
  auto done = std::make_shared<std::promise<bool>>();
  auto settled = done->get_future();
  {
    const std::lock_guard lock(mutex_);
    if (closed_) return false;
    // Posted after every (un)subscribe made so far, so it counts their confirmations too.
    asio::post(io_, [this, done] {
      settle_waiters_.push_back({confirms_sent_, std::move(*done)});
      settle_waiters();
    });
  }
  if (settled.wait_for(timeout) != std::future_status::ready) return false;
  try {
    return settled.get();
  } catch (const std::future_error&) {
    return false;  // closed before the bus thread got to it
  }
}

// ---- The bus thread ----

void RedisBus::attempt() {
  if (state_ == State::closed) return;
  ++generation_;
  state_ = State::connecting;
  subscriber_ready_ = publisher_ready_ = subscriptions_sent_ = false;
  confirms_sent_ = confirms_received_ = up_after_confirms_ = 0;
  const std::uint64_t generation = generation_;
  // One deadline for all of it: resolving, connecting, AUTH, PING and resubscribing.
  connect_timer_.expires_after(options_.timeout);
  connect_timer_.async_wait([this, generation](const boost::system::error_code& ec) {
    if (ec || generation != generation_ || state_ != State::connecting) return;
    fail(generation, "no answer within " + std::to_string(options_.timeout.count()) + " ms");
  });
  // Resolved by Asio off this thread: hiredis would call getaddrinfo and block.
  resolver_.async_resolve(address_.host, std::to_string(address_.port),
                          [this, generation](const boost::system::error_code& ec,
                                             const asio::ip::tcp::resolver::results_type& results) {
                            if (generation != generation_ || state_ != State::connecting) return;
                            if (ec || results.empty()) {
                              fail(generation,
                                   "cannot resolve " + address_.host + ": " + ec.message());
                              return;
                            }
                            // IPv4 first, as hiredis itself would: "localhost" often lists ::1
                            // first while Redis
                            // listens on 127.0.0.1 only.
                            auto chosen = results.begin();
                            for (auto it = results.begin(); it != results.end(); ++it) {
                              if (it->endpoint().address().is_v4()) {
                                chosen = it;
                                break;
                              }
                            }
                            connect_to(chosen->endpoint().address().to_string());
                          });
}

void RedisBus::connect_to(const std::string& ip) {
  const std::uint64_t generation = generation_;
  auto events_for = [this, generation](bool subscriber) {
    RedisConnection::Events events;
    events.ready = [this, generation, subscriber] {
      if (generation != generation_) return;
      (subscriber ? subscriber_ready_ : publisher_ready_) = true;
      connection_ready(generation);
    };
    events.lost = [this, generation](const std::string& reason) { fail(generation, reason); };
    if (subscriber) {
      events.push = [this, generation](const redisReply& reply) { receive(generation, reply); };
    }
    return events;
  };
  subscriber_ = std::make_unique<RedisConnection>(io_, "subscriber", events_for(true));
  publisher_ = std::make_unique<RedisConnection>(io_, "publisher", events_for(false));
  subscriber_->connect(ip, address_.port, address_);
  publisher_->connect(ip, address_.port, address_);
}

void RedisBus::connection_ready(std::uint64_t generation) {
  if (generation != generation_ || state_ != State::connecting) return;
  if (!subscriber_ready_ || !publisher_ready_) return;
  // Every topic again, in one SUBSCRIBE; the bus is up once Redis confirmed each of them.
  std::vector<std::string> channels;
  channels.reserve(topics_.size());
  for (const std::string& topic : topics_) channels.push_back(options_.prefix + topic);
  subscriptions_sent_ = true;
  if (!channels.empty()) {
    if (!subscriber_->send_subscription("SUBSCRIBE", channels)) {
      fail(generation, "subscriber: cannot send SUBSCRIBE");
      return;
    }
    confirms_sent_ += channels.size();
  }
  up_after_confirms_ = confirms_sent_;
  check_up();
}

void RedisBus::receive(std::uint64_t generation, const redisReply& reply) {
  if (generation != generation_) return;
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements < 3) return;
  const std::string_view kind = text_of(*reply.element[0]);
  if (kind == "message") {
    deliver(text_of(*reply.element[1]), text_of(*reply.element[2]));
    return;
  }
  if (kind == "subscribe" || kind == "unsubscribe") {
    ++confirms_received_;
    // Posted: becoming up calls the listener and may tear things down, not inside hiredis.
    asio::post(io_, [this, generation] {
      if (generation != generation_) return;
      check_up();
      settle_waiters();
    });
  }
}

void RedisBus::deliver(std::string_view channel, std::string_view message) {
  if (!channel.starts_with(options_.prefix)) return;
  const std::string_view topic = channel.substr(options_.prefix.size());
  // Unsubscribed topics stop at once, even for messages Redis sent before it confirmed.
  if (!topics_.contains(topic)) return;
  const auto frame = decode_frame(message);
  if (!frame) {
    spdlog::debug("bus: dropped a message of an unknown format on {}", channel);
    return;
  }
  if (frame->from == std::string_view(node_id_.data(), node_id_.size())) return;
  ++received_;
  if (listener_.on_message) listener_.on_message(topic, frame->payload);
}

void RedisBus::check_up() {
  if (state_ != State::connecting || !subscriptions_sent_) return;
  if (confirms_received_ < up_after_confirms_) return;
  became_up();
}

void RedisBus::became_up() {
  state_ = State::up;
  connect_timer_.cancel();
  backoff_ = options_.backoff_min;
  connected_ = true;
  const bool back = down_logged_;
  if (back) {
    spdlog::info("bus: Redis at {} is back; subscribed again to {} topic(s)", name_,
                 topics_.size());
    ++reconnects_;
  } else {
    spdlog::info("bus: connected to Redis at {} (channel prefix \"{}\")", name_, options_.prefix);
  }
  down_logged_ = false;
  ever_up_ = true;
  if (!first_attempt_done_) {
    first_attempt_done_ = true;
    first_attempt_.set_value();
  }
  health_timer_.expires_after(options_.health_interval);
  health_timer_.async_wait([this, generation = generation_](const boost::system::error_code& ec) {
    if (!ec && generation == generation_) check_health();
  });
  settle_waiters();
  // Messages may have been lost while it was down: the layer above checks heads.
  if (back && listener_.on_reconnect) listener_.on_reconnect();
}

void RedisBus::fail(std::uint64_t generation, const std::string& reason) {
  if (generation != generation_ || state_ == State::closed || state_ == State::down) return;
  const bool was_up = state_ == State::up;
  ++generation_;  // whatever the old connections still report is stale now
  state_ = State::down;
  connected_ = false;
  connect_timer_.cancel();
  health_timer_.cancel();
  resolver_.cancel();
  subscriber_.reset();
  publisher_.reset();
  if (was_up) {
    ++disconnects_;
    spdlog::warn(
        "bus: lost Redis at {} ({}); publications are dropped and other nodes' changes arrive by "
        "polling until it is back; reconnecting",
        name_, reason);
    down_logged_ = true;
  } else if (!down_logged_) {
    spdlog::warn(
        "bus: cannot reach Redis at {} ({}); serving without cross-node notifications (other "
        "nodes' changes arrive by polling) and retrying until it is reachable",
        name_, reason);
    down_logged_ = true;
  } else {
    spdlog::debug("bus: Redis at {} still unreachable ({})", name_, reason);
  }
  if (!first_attempt_done_) {
    first_attempt_done_ = true;
    first_attempt_.set_value();
  }
  schedule_retry();
}

void RedisBus::schedule_retry() {
  // Jitter keeps the nodes of a cluster from reconnecting in lockstep after a Redis restart.
  std::uniform_int_distribution<long> spread(backoff_.count() * 3 / 4, backoff_.count());
  retry_timer_.expires_after(std::chrono::milliseconds(spread(jitter_)));
  backoff_ = std::min(backoff_ * 2, options_.backoff_max);
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && state_ == State::down) attempt();
  });
}

void RedisBus::check_health() {
  if (state_ != State::up) return;
  const auto silent = std::chrono::steady_clock::now() - publisher_->last_answer();
  if (silent > options_.timeout + options_.health_interval) {
    fail(generation_,
         "no answer to PING for " +
             std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(silent).count()) +
             " ms");
    return;
  }
  publisher_->send({"PING"});
  health_timer_.expires_after(options_.health_interval);
  health_timer_.async_wait([this, generation = generation_](const boost::system::error_code& ec) {
    if (!ec && generation == generation_) check_health();
  });
}

void RedisBus::send_subscription(bool subscribe, const std::string& topic) {
  if (subscribe) {
    topics_.insert(topic);
  } else {
    topics_.erase(topic);
  }
  // Before the attempt's SUBSCRIBE went out, the topic set is all it needs.
  if (!subscriptions_sent_ || subscriber_ == nullptr) return;
  if (subscriber_->send_subscription(subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE",
                                     {options_.prefix + topic})) {
    ++confirms_sent_;
  }
}

void RedisBus::send_publish(const std::string& topic, const std::string& message) {
  if (state_ != State::up || publisher_->pending_bytes() > options_.max_pending_bytes) {
    ++publish_dropped_;
    return;
  }
  const std::string channel = options_.prefix + topic;
  if (publisher_->send({"PUBLISH", channel, message}, message.size())) {
    ++published_;
  } else {
    ++publish_dropped_;
  }
}

void RedisBus::settle_waiters() {
  if (state_ != State::up) return;
  std::erase_if(settle_waiters_, [this](SettleWaiter& waiter) {
    // A waiter from an older attempt: everything it waited for was resubscribed since.
    if (waiter.confirms > confirms_sent_) waiter.confirms = confirms_sent_;
    if (waiter.confirms > confirms_received_) return false;
    waiter.done.set_value(true);
    return true;
  });
}

void RedisBus::shut_down() {
  state_ = State::closed;
  ++generation_;
  connected_ = false;
  connect_timer_.cancel();
  retry_timer_.cancel();
  health_timer_.cancel();
  resolver_.cancel();
  subscriber_.reset();
  publisher_.reset();
  for (SettleWaiter& waiter : settle_waiters_) waiter.done.set_value(false);
  settle_waiters_.clear();
  if (!first_attempt_done_) {
    first_attempt_done_ = true;
    first_attempt_.set_value();
  }
  work_.reset();
  io_.stop();
}

}  // namespace tandem::bus
