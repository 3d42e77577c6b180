#pragma once

#include "server/protocol_session.hpp"
#include "server/write_pacer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tandem::server {

// One `sub=DOC@N` (or `sub=DOC` for a snapshot) of an HTTP downlink request.
struct DownlinkSubscription {
  std::string doc;
  std::optional<std::uint64_t> version;
  friend bool operator==(const DownlinkSubscription&, const DownlinkSubscription&) = default;
};

// A frame waiting to be handed to an HTTP client, with the document it moves.
struct PendingFrame {
  std::string doc;
  collab::Frame frame;
};

// The receiving end of an HTTP client (long-poll or SSE): a ProtocolSession subscribed to the
// documents the request names, whose frames wait here until a poll takes them or an SSE stream
// writes them. Lives on one loop. Fan-out frames wake the waiting poll or stream at the loop's
// next pacing tick (WritePacer), so under load one answer carries many ops.
//
// Correctness never depends on a downlink outliving its request: every request names the
// versions the client has, and a downlink is reused for the next request only when those are
// exactly where it left off (DownlinkRegistry). Keeping it between requests saves the
// re-subscription and keeps the client's presence from flickering between polls.
class HttpDownlink : public FrameSink,
                     public PacedWriter,
                     public std::enable_shared_from_this<HttpDownlink> {
 public:
  struct Batch {
    std::vector<PendingFrame> frames;
    bool more = false;  // frames beyond the byte limit are still waiting
    // Access has ended (the token expired): answer the poll with this refusal instead.
    std::optional<proto::ErrorMessage> refusal;
    // A snapshot asked for (`sub=DOC`) has not come from its document yet: a poll answer says
    // More (its client polls again), an SSE stream just waits for it.
    bool snapshots_awaited = false;
  };

  HttpDownlink(boost::asio::io_context& loop, std::size_t loop_index, std::string client,
               std::string credentials, collab::Collaboration& collaboration,
               const ProtocolConfig& config, Permissions permissions,
               boost::asio::ip::address address, std::size_t max_buffered_bytes, WritePacer& pacer);
  ~HttpDownlink() override;

  void start(const std::vector<DownlinkSubscription>& subscriptions);
  // True when a request from this client with these credentials and subscriptions continues
  // exactly where the last handed-out frame left off.
  bool continues(const std::vector<DownlinkSubscription>& subscriptions,
                 std::string_view credentials) const;

  // Long-poll: `ready` runs once (on this loop) with what is pending, as soon as something is,
  // or with an empty batch after `hold`. A newer wait answers an older one at once.
  void wait(std::chrono::milliseconds hold, std::size_t max_bytes,
            std::function<void(Batch)> ready);
  // SSE: `on_frames` runs (on this loop) after each burst of frames; take them with take().
  // `owner` is the stream: a reconnect may take over the downlink before the old stream is
  // noticed gone, and the old one's stop_listening() must not silence the new one.
  void listen(const void* owner, std::function<void()> on_frames);
  void stop_listening(const void* owner);
  bool listened_by(const void* owner) const { return listener_ && listener_owner_ == owner; }
  Batch take(std::size_t max_bytes);

  // The versions handed out so far, as an SSE resume cursor: "DOC@N,DOC@N".
  std::string cursor() const;
  // Leaves one document now (`unsub` in a POST: the page is going away), so others see the
  // client gone at once; closes the downlink when that was its last document. A later request
  // naming the document no longer continues this downlink and starts a fresh one.
  void leave(const std::string& doc);
  // Leaves every document; pending frames are dropped.
  void close();

  bool closed() const { return closed_; }
  // Why the downlink ended, when its token expired under it.
  const std::optional<proto::ErrorMessage>& refusal() const { return refusal_; }
  bool attached() const { return waiter_ != nullptr || listener_ != nullptr; }
  std::chrono::steady_clock::time_point last_used() const { return last_used_; }
  const std::string& client() const { return client_; }
  ProtocolSession& session() { return *session_; }

  void send(std::string_view doc, const collab::Frame& frame) override;
  void fail(const proto::ErrorMessage& error) override;
  void paced_flush() override;

 private:
  void schedule_wake();
  void request_pace();
  void wake();
  void answer_waiter();

  boost::asio::io_context& loop_;
  std::string client_;
  std::string credentials_;
  std::size_t max_buffered_bytes_;
  WritePacer& pacer_;
  std::shared_ptr<ProtocolSession> session_;
  std::map<std::string, std::optional<std::uint64_t>> handed_out_;  // doc -> version reached
  // Documents subscribed without a version whose snapshot has not been handed out yet.
  std::set<std::string> awaited_snapshots_;
  std::deque<PendingFrame> pending_;
  std::size_t pending_bytes_ = 0;
  std::shared_ptr<std::function<void(Batch)>> waiter_;
  std::size_t waiter_max_bytes_ = 0;
  boost::asio::steady_timer hold_timer_;
  std::shared_ptr<std::function<void()>> listener_;
  const void* listener_owner_ = nullptr;
  bool wake_scheduled_ = false;
  bool pace_requested_ = false;
  bool overflowed_ = false;
  bool closed_ = false;
  std::optional<proto::ErrorMessage> refusal_;
  std::chrono::steady_clock::time_point last_used_;
};

}  // namespace tandem::server
