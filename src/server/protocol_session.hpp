#pragma once

#include "collab/collaboration.hpp"
#include "collab/subscriber.hpp"
#include "proto/error.hpp"
#include "proto/limits.hpp"
#include "proto/messages.hpp"
#include "server/security/access_grant.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

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

struct ProtocolConfig {
  std::size_t max_docs = 64;  // subscriptions per connection
  std::chrono::milliseconds heartbeat{20'000};
  proto::ProtoLimits limits;
  std::size_t max_op_bytes = 0;  // reported in welcome
  std::string server_name;       // "tandem/VERSION"
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
  // `executor` is the session's loop, where its token's expiry timer runs.
  ProtocolSession(boost::asio::any_io_executor executor, std::size_t loop, std::string client,
                  collab::Collaboration& collaboration, const ProtocolConfig& config,
                  Permissions permissions, FrameSink* sink);

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
                  std::optional<std::uint64_t> seq = std::nullopt);

  collab::Collaboration& collaboration_;
  const ProtocolConfig& config_;
  Permissions permissions_;
  FrameSink* sink_;
  boost::asio::steady_timer expiry_;
  using Subscriptions = std::unordered_map<std::string, std::optional<std::uint64_t>>;
  Subscriptions subscriptions_;
  // The entry the last frame went to: fan-out brings long runs for one document, and a
  // string compare is cheaper than hashing the name for each of them. Reset on every change.
  Subscriptions::iterator last_delivered_ = subscriptions_.end();
};

// A server message encoded as a frame that belongs to no document.
collab::Frame standalone_frame(const proto::ServerMessage& message);

}  // namespace tandem::server
