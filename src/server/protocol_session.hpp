#pragma once

#include "collab/collaboration.hpp"
#include "collab/subscriber.hpp"
#include "proto/error.hpp"
#include "proto/limits.hpp"
#include "proto/messages.hpp"
#include "server/flood_counters.hpp"
#include "server/security/access_grant.hpp"
#include "server/security/address_rate_limiter.hpp"
#include "server/security/token_bucket.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tandem::server {

using security::Access;

// What one connection may do, from its access token (everything when tokens are off).
struct Permissions {
  std::function<Access(std::string_view doc)> access_for;
  std::optional<std::string> display_name;  // from the token; overrides the client's choice
  // When access ends: the token's exp plus the clock skew (security::token_valid_until).
  std::optional<std::chrono::system_clock::time_point> expires;

  static Permissions everything() {
    return {[](std::string_view) { return Access::kWrite; }, std::nullopt, std::nullopt};
  }
};

// How fast one connection, and one client address with all its connections, may send
// (docs/security.md, "Floods"). A rate of 0 means unlimited.
struct FloodLimits {
  security::RateLimit ops{100, 200};            // submits per connection
  security::RateLimit presence{60, 120};        // presence updates per connection
  security::RateLimit ops_per_ip{5000, 10000};  // submits per address
  security::RateLimit presence_per_ip{3000, 6000};
  security::RateLimit new_docs_per_ip{300.0 / 60, 300};  // documents created per address
  // Submits of one connection not yet settled (acked or refused); more are refused.
  std::size_t max_pending_submits = 256;
  // Refusals (rate_limited, overloaded) a connection may collect, forgiven at a tenth of this
  // a second, before it is closed: a client that ignores every retry hint is not worth reading
  // (0: never).
  std::size_t max_refusals = 1000;
};

// The per-address buckets, shared by every connection on every loop.
struct AddressLimiters {
  explicit AddressLimiters(const FloodLimits& limits)
      : ops(limits.ops_per_ip),
        presence(limits.presence_per_ip),
        new_docs(limits.new_docs_per_ip) {}

  security::AddressRateLimiter ops;
  security::AddressRateLimiter presence;
  security::AddressRateLimiter new_docs;
  FloodCounters counters;

  // The check a document runs before it is created on behalf of `address` (counts refusals).
  collab::CreationCheck creation_check(const boost::asio::ip::address& address);
};

struct ProtocolConfig {
  std::size_t max_docs = 64;  // subscriptions per connection
  std::chrono::milliseconds heartbeat{20'000};
  proto::ProtoLimits limits;
  std::size_t max_op_bytes = 0;  // reported in welcome
  std::string server_name;       // "tandem/VERSION"
  FloodLimits flood;
  AddressLimiters* per_address = nullptr;  // none: no per-address limits (unit tests)
};

// Where a session's frames go: the transport that carries them. Called on the session's loop.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // `doc` is the document the frame belongs to, empty for welcome, pong and errors.
  virtual void send(std::string_view doc, const collab::Frame& frame) = 0;
  // Sends the error, then closes the connection.
  virtual void fail(const proto::ErrorMessage& error) = 0;
};

// The protocol above framing, shared by every transport: what a client may do after its
// hello, subscriptions and their versions, permissions, limits. Lives on one loop.
class ProtocolSession : public collab::Subscriber,
                        public std::enable_shared_from_this<ProtocolSession> {
 public:
  // `loop` is the session's event loop, where its token's expiry timer runs. `address` is the
  // client's (behind a trusted proxy, the forwarded one), for per-address limits.
  ProtocolSession(std::size_t loop, std::string client, collab::Collaboration& collaboration,
                  const ProtocolConfig& config, Permissions permissions, FrameSink* sink,
                  boost::asio::ip::address address);

  // Arms the token's expiry: when it comes, the sink fails with a fatal `unauthorized` and the
  // session leaves every document, whether or not the client sends anything. Call once.
  void start();
  collab::Frame welcome_frame() const;
  void handle(proto::ClientMessage message);
  // A fresh token for the same client (a second hello on WebSocket): its permissions replace
  // the old ones, the expiry timer starts again, and documents it no longer grants are left
  // with `forbidden`.
  void renew(Permissions permissions);
  // Answers a message the codec refused.
  void refuse(proto::Error error);
  // The transport is going away: leave every document; frames still in flight are dropped.
  void detach();

  void deliver(const std::string& doc, const collab::Frame& frame) override;

  // The version each subscribed document is at in this stream (empty until known).
  const std::unordered_map<std::string, std::optional<std::uint64_t>>& versions() const {
    return subscriptions_;
  }

 private:
  void on_subscribe(proto::Subscribe& message);
  void on_unsubscribe(const proto::Unsubscribe& message);
  void on_submit(proto::SubmitOp& message);
  void on_presence(proto::PresenceUpdate& message);
  bool expired();
  void arm_expiry();
  void expire();
  void send_error(proto::ErrorCode code, std::string message,
                  std::optional<std::string> doc = std::nullopt,
                  std::optional<std::uint64_t> seq = std::nullopt,
                  std::optional<std::chrono::milliseconds> retry = std::nullopt);
  // Zero when the connection's and the address's buckets both allow one more, else the wait.
  std::chrono::milliseconds rate_wait(security::TokenBucket& own,
                                      security::AddressRateLimiter* shared);
  // Counts a refusal; a connection refused too often in a row is closed. True if it was.
  bool refused_too_often();
  collab::CreationCheck creation_check() const;
  void count(std::atomic<std::uint64_t> FloodCounters::*counter) const;

  collab::Collaboration& collaboration_;
  const ProtocolConfig& config_;
  Permissions permissions_;
  FrameSink* sink_;
  // Made when a token with an expiry arrives: a connection without tokens saves the timer.
  std::unique_ptr<boost::asio::steady_timer> expiry_;
  boost::asio::ip::address address_;
  security::TokenBucket op_bucket_;
  security::TokenBucket presence_bucket_;
  // Submits handed to documents and not yet settled; decremented on the documents' loops.
  std::shared_ptr<std::atomic<std::size_t>> pending_submits_ =
      std::make_shared<std::atomic<std::size_t>>(0);
  security::TokenBucket refusal_bucket_;  // max_refusals, refilled at a tenth of it a second
  bool presence_refusal_told_ = false;    // one error per run of refused presence, not one each
  bool cut_off_ = false;                  // closed for refusals: what still arrives is not read
  using Subscriptions = std::unordered_map<std::string, std::optional<std::uint64_t>>;
  Subscriptions subscriptions_;
  // The entry the last frame went to: fan-out brings long runs for one document, and a
  // string compare is cheaper than hashing the name for each of them. Reset on every change.
  Subscriptions::iterator last_delivered_ = subscriptions_.end();
};

// A server message encoded as a frame that belongs to no document.
collab::Frame standalone_frame(const proto::ServerMessage& message);

}  // namespace tandem::server
