#include "server/protocol_session.hpp"

#include "ot/utf8.hpp"
#include "proto/encode_server.hpp"

#include <fmt/format.h>

#include <utility>
#include <vector>

namespace tandem::server {

collab::Frame standalone_frame(const proto::ServerMessage& message) {
  return {std::make_shared<const std::string>(proto::encode(message)), std::nullopt};
}

namespace {

proto::ErrorMessage token_expired() {
  return proto::ErrorMessage{proto::ErrorCode::kUnauthorized,
                             "the access token has expired; reconnect with a new one (on "
                             "WebSocket, a new hello with a fresh token renews it in place)",
                             std::nullopt, std::nullopt, true};
}

}  // namespace

ProtocolSession::ProtocolSession(std::size_t loop, std::string client,
                                 collab::Collaboration& collaboration, const ProtocolConfig& config,
                                 Permissions permissions, FrameSink* sink,
                                 boost::asio::ip::address address)
    : Subscriber(loop, std::move(client)),
      collaboration_(collaboration),
      config_(config),
      permissions_(std::move(permissions)),
      sink_(sink),
      address_(std::move(address)),
      op_bucket_(config.flood.ops, security::TokenBucket::Clock::now()),
      presence_bucket_(config.flood.presence, security::TokenBucket::Clock::now()),
      refusal_bucket_(security::RateLimit{static_cast<double>(config.flood.max_refusals) / 10,
                                          static_cast<double>(config.flood.max_refusals)},
                      security::TokenBucket::Clock::now()) {}

void ProtocolSession::start() { arm_expiry(); }

void ProtocolSession::arm_expiry() {
  if (expiry_) expiry_->cancel();
  if (!permissions_.expires) return;
  if (!expiry_) {
    expiry_ = std::make_unique<boost::asio::steady_timer>(collaboration_.loop_context(loop()));
  }
  // Expiry is the only revocation there is: access ends on time, not at the next message.
  expiry_->expires_after(*permissions_.expires - std::chrono::system_clock::now());
  expiry_->async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (auto self = weak.lock(); self && !ec) self->expire();
  });
}

void ProtocolSession::expire() {
  if (sink_ == nullptr) return;
  // A renewal may have come between the timer firing and this running.
  if (permissions_.expires && std::chrono::system_clock::now() < *permissions_.expires) {
    return arm_expiry();
  }
  FrameSink* sink = sink_;
  detach();  // nothing more reaches the client, whatever the transport does with the failure
  sink->fail(token_expired());
}

void ProtocolSession::renew(Permissions permissions) {
  if (sink_ == nullptr) return;
  permissions_ = std::move(permissions);
  arm_expiry();
  std::vector<std::string> revoked;
  for (const auto& [doc, version] : subscriptions_) {
    if (permissions_.access_for(doc) == Access::kNone) revoked.push_back(doc);
  }
  for (const std::string& doc : revoked) {
    subscriptions_.erase(doc);
    collaboration_.unsubscribe(doc, shared_from_this());
    send_error(proto::ErrorCode::kForbidden,
               "the renewed access token does not grant access to " + doc + "; unsubscribed", doc);
  }
  last_delivered_ = subscriptions_.end();
}

collab::Frame ProtocolSession::welcome_frame() const {
  proto::Welcome welcome;
  welcome.client = client();
  welcome.heartbeat_ms = static_cast<std::uint64_t>(config_.heartbeat.count());
  welcome.limits = {config_.limits.max_message_bytes, config_.max_docs, config_.max_op_bytes};
  welcome.server = config_.server_name;
  return standalone_frame(welcome);
}

void ProtocolSession::send_error(proto::ErrorCode code, std::string message,
                                 std::optional<std::string> doc, std::optional<std::uint64_t> seq,
                                 std::optional<std::chrono::milliseconds> retry) {
  if (sink_ == nullptr) return;
  proto::ErrorMessage error{code, std::move(message), std::move(doc), seq, false};
  if (retry) error.retry_ms = static_cast<std::uint64_t>(retry->count());
  sink_->send({}, standalone_frame(error));
}

std::chrono::milliseconds ProtocolSession::rate_wait(security::TokenBucket& own,
                                                     security::AddressRateLimiter* shared) {
  const auto now = security::TokenBucket::Clock::now();
  if (const auto wait = own.take(now); wait.count() > 0) return wait;
  // The address is asked only for what the connection's own bucket let through.
  return shared == nullptr ? std::chrono::milliseconds(0) : shared->take(address_, now);
}

bool ProtocolSession::refused_too_often() {
  if (cut_off_) return true;
  if (sink_ == nullptr || refusal_bucket_.take(security::TokenBucket::Clock::now()).count() == 0) {
    return false;
  }
  cut_off_ = true;
  count(&FloodCounters::connections_closed);
  sink_->fail(proto::ErrorMessage{
      proto::ErrorCode::kRateLimited,
      fmt::format("over {} messages were refused; slow down and honour retry_ms",
                  config_.flood.max_refusals),
      std::nullopt, std::nullopt, true});
  return true;
}

collab::CreationCheck AddressLimiters::creation_check(const boost::asio::ip::address& address) {
  return [this, address] {
    const auto wait = new_docs.take(address);
    if (wait.count() > 0) FloodCounters::count(counters.new_docs_refused);
    return wait;
  };
}

collab::CreationCheck ProtocolSession::creation_check() const {
  if (config_.per_address == nullptr) return {};
  return config_.per_address->creation_check(address_);
}

void ProtocolSession::count(std::atomic<std::uint64_t> FloodCounters::*counter) const {
  if (config_.per_address != nullptr) FloodCounters::count(config_.per_address->counters.*counter);
}

void ProtocolSession::refuse(proto::Error error) {
  if (sink_ == nullptr) return;
  sink_->send({}, standalone_frame(proto::to_error_message(std::move(error))));
}

bool ProtocolSession::expired() {
  if (!permissions_.expires || std::chrono::system_clock::now() < *permissions_.expires) {
    return false;
  }
  expire();
  return true;
}

void ProtocolSession::handle(proto::ClientMessage message) {
  if (sink_ == nullptr || cut_off_) return;
  std::visit(
      [this](auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, proto::Ping>) {
          sink_->send({}, standalone_frame(proto::Pong{m.id}));
        } else if constexpr (std::is_same_v<M, proto::Hello>) {
          // A repeated hello changes nothing; the first one fixed the client and its token.
          if (m.client != client()) {
            send_error(proto::ErrorCode::kBadMessage,
                       "hello was already received for client " + client());
          }
        } else if (!expired()) {
          if constexpr (std::is_same_v<M, proto::Subscribe>) on_subscribe(m);
          if constexpr (std::is_same_v<M, proto::Unsubscribe>) on_unsubscribe(m);
          if constexpr (std::is_same_v<M, proto::SubmitOp>) on_submit(m);
          if constexpr (std::is_same_v<M, proto::PresenceUpdate>) on_presence(m);
        }
      },
      message);
}

void ProtocolSession::on_subscribe(proto::Subscribe& message) {
  if (permissions_.access_for(message.doc) == Access::kNone) {
    return send_error(proto::ErrorCode::kForbidden,
                      "the access token does not grant access to " + message.doc, message.doc);
  }
  if (!subscriptions_.contains(message.doc) && subscriptions_.size() >= config_.max_docs) {
    return send_error(proto::ErrorCode::kTooManyDocs,
                      fmt::format("at most {} documents per connection", config_.max_docs),
                      message.doc);
  }
  subscriptions_[message.doc] = message.version;
  last_delivered_ = subscriptions_.end();  // the insert may have rehashed
  collaboration_.subscribe(message.doc, message.version,
                           std::static_pointer_cast<collab::Subscriber>(shared_from_this()),
                           creation_check());
}

void ProtocolSession::on_unsubscribe(const proto::Unsubscribe& message) {
  if (subscriptions_.erase(message.doc) == 0) return;
  last_delivered_ = subscriptions_.end();
  collaboration_.unsubscribe(message.doc, shared_from_this());
}

void ProtocolSession::on_submit(proto::SubmitOp& message) {
  const Access access = permissions_.access_for(message.doc);
  if (access != Access::kWrite) {
    return send_error(
        access == Access::kRead ? proto::ErrorCode::kReadOnly : proto::ErrorCode::kForbidden,
        "the access token does not allow editing " + message.doc, message.doc, message.seq);
  }
  if (!subscriptions_.contains(message.doc)) {
    // The confirmation travels in the document's stream, so there must be one.
    return send_error(proto::ErrorCode::kNotSubscribed,
                      "subscribe to " + message.doc + " before submitting to it", message.doc,
                      message.seq);
  }
  // Refused, never dropped: the error carries the seq, and the client resends the same op.
  if (pending_submits_->load(std::memory_order_relaxed) >= config_.flood.max_pending_submits) {
    count(&FloodCounters::ops_overloaded);
    if (refused_too_often()) return;
    return send_error(proto::ErrorCode::kOverloaded,
                      fmt::format("{} ops of this connection are still waiting; resend this one "
                                  "after retry_ms",
                                  config_.flood.max_pending_submits),
                      message.doc, message.seq, std::chrono::milliseconds(1000));
  }
  if (const auto wait =
          rate_wait(op_bucket_, config_.per_address ? &config_.per_address->ops : nullptr);
      wait.count() > 0) {
    count(&FloodCounters::ops_rate_limited);
    if (refused_too_often()) return;
    return send_error(proto::ErrorCode::kRateLimited,
                      "too many ops; resend this one after retry_ms", message.doc, message.seq,
                      wait);
  }
  pending_submits_->fetch_add(1, std::memory_order_relaxed);
  collaboration_.submit(
      message.doc, shared_from_this(), client(), message.base_version, message.seq,
      std::move(message.op),
      [pending = pending_submits_,
       per_address = config_.per_address](const collab::SubmitResult& result) {
        pending->fetch_sub(1, std::memory_order_relaxed);
        // A full document queue (a departed connection's dropped ops carry no retry hint).
        if (per_address != nullptr && result.status == collab::SubmitResult::Status::kRejected &&
            result.error == proto::ErrorCode::kOverloaded && result.retry) {
          FloodCounters::count(per_address->counters.ops_overloaded);
        }
      },
      creation_check());
}

void ProtocolSession::on_presence(proto::PresenceUpdate& message) {
  if (!subscriptions_.contains(message.doc)) {
    return send_error(proto::ErrorCode::kNotSubscribed,
                      "subscribe to " + message.doc + " before sending presence", message.doc);
  }
  if (const auto wait = rate_wait(presence_bucket_,
                                  config_.per_address ? &config_.per_address->presence : nullptr);
      wait.count() > 0) {
    count(&FloodCounters::presence_rate_limited);
    if (refused_too_often() || std::exchange(presence_refusal_told_, true)) return;
    // Presence is a state, not an event: the next update after the wait replaces this one.
    return send_error(proto::ErrorCode::kRateLimited,
                      "too many presence updates; send the latest after retry_ms", message.doc,
                      std::nullopt, wait);
  }
  presence_refusal_told_ = false;
  collab::PresenceState state;
  state.selections = std::move(message.selections);
  state.name = permissions_.display_name.value_or(message.name.value_or(""));
  // A token may carry a longer name than presence allows; cut it at a code point boundary.
  const std::size_t limit = config_.limits.max_name_code_points;
  if (ot::count_code_points(state.name) > limit) {
    state.name.resize(ot::byte_offset_of(state.name, limit));
  }
  state.color = message.color.value_or("");
  collaboration_.update_presence(message.doc, shared_from_this(), message.version,
                                 std::move(state));
}

void ProtocolSession::detach() {
  sink_ = nullptr;
  if (expiry_) expiry_->cancel();
  depart();
  for (const auto& [doc, version] : subscriptions_) {
    collaboration_.unsubscribe(doc, shared_from_this());
  }
  subscriptions_.clear();
  last_delivered_ = subscriptions_.end();
}

void ProtocolSession::deliver(const std::string& doc, const collab::Frame& frame) {
  if (sink_ == nullptr) return;
  auto found = last_delivered_ != subscriptions_.end() && last_delivered_->first == doc
                   ? last_delivered_
                   : subscriptions_.find(doc);
  last_delivered_ = found;
  // Frames of a document left a moment ago may still arrive; they are not wanted.
  if (found == subscriptions_.end()) return;
  if (frame.version_after) found->second = frame.version_after;
  sink_->send(doc, frame);
  if (frame.ends_subscription) {
    subscriptions_.erase(found);
    last_delivered_ = subscriptions_.end();
  }
}

}  // namespace tandem::server
