#include "server/http_downlink.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <utility>

namespace tandem::server {

namespace asio = boost::asio;

HttpDownlink::HttpDownlink(asio::io_context& loop, std::size_t loop_index, std::string client,
                           std::string credentials, collab::Collaboration& collaboration,
                           const ProtocolConfig& config, Permissions permissions,
                           boost::asio::ip::address address, std::size_t max_buffered_bytes,
                           WritePacer& pacer)
    : loop_(loop),
      client_(client),
      credentials_(std::move(credentials)),
      max_buffered_bytes_(max_buffered_bytes),
      pacer_(pacer),
      session_(std::make_shared<ProtocolSession>(loop_index, std::move(client), collaboration,
                                                 config, std::move(permissions), this,
                                                 std::move(address))),
      hold_timer_(loop),
      last_used_(std::chrono::steady_clock::now()) {}

HttpDownlink::~HttpDownlink() { close(); }

void HttpDownlink::start(const std::vector<DownlinkSubscription>& subscriptions) {
  session_->start();
  for (const DownlinkSubscription& subscription : subscriptions) {
    handed_out_[subscription.doc] = subscription.version;
    session_->handle(proto::Subscribe{subscription.doc, subscription.version});
    // A refused subscription (forbidden, too many) gets its error at once and no snapshot.
    if (!subscription.version && session_->versions().contains(subscription.doc)) {
      awaited_snapshots_.insert(subscription.doc);
    }
  }
}

bool HttpDownlink::continues(const std::vector<DownlinkSubscription>& subscriptions,
                             std::string_view credentials) const {
  if (closed_ || overflowed_ || credentials != credentials_) return false;
  if (subscriptions.size() != handed_out_.size()) return false;
  for (const DownlinkSubscription& subscription : subscriptions) {
    auto found = handed_out_.find(subscription.doc);
    if (found == handed_out_.end()) return false;
    // A client without a version wants a snapshot: only a fresh subscription gives one, or
    // this one if its snapshot has not been handed out yet (More said to poll again for it).
    if (!subscription.version) {
      if (!awaited_snapshots_.contains(subscription.doc)) return false;
      continue;
    }
    if (found->second != subscription.version) return false;
  }
  return true;
}

void HttpDownlink::send(std::string_view doc, const collab::Frame& frame) {
  if (closed_ || overflowed_) return;
  pending_bytes_ += frame.json->size();
  if (pending_bytes_ > max_buffered_bytes_) {
    // Nobody collects: forget it all; the client's next request resubscribes from its versions.
    overflowed_ = true;
    pending_.clear();
    pending_bytes_ = 0;
    return;
  }
  pending_.push_back(PendingFrame{std::string(doc), frame});
  if (frame.paced) return request_pace();
  schedule_wake();
}

void HttpDownlink::fail(const proto::ErrorMessage& error) {
  // Only the token's expiry fails a downlink: the held poll is answered with the refusal (an
  // HTTP status, as for a request that comes with an expired token), an SSE stream ends with
  // it as its last event, and the downlink is never reused.
  if (closed_) return;
  refusal_ = error;
  refusal_->fatal = true;
  close();
}

void HttpDownlink::schedule_wake() {
  if (wake_scheduled_ || (waiter_ == nullptr && listener_ == nullptr)) return;
  wake_scheduled_ = true;
  // At the end of this loop turn, so frames arriving together leave together.
  asio::post(loop_, [self = shared_from_this()] {
    self->wake_scheduled_ = false;
    self->wake();
  });
}

void HttpDownlink::request_pace() {
  if (pace_requested_ || wake_scheduled_ || (waiter_ == nullptr && listener_ == nullptr)) return;
  pace_requested_ = true;
  pacer_.request(shared_from_this());
}

void HttpDownlink::paced_flush() {
  pace_requested_ = false;
  wake();
}

void HttpDownlink::wake() {
  if (pending_.empty()) return;
  if (waiter_) answer_waiter();
  if (listener_) (*listener_)();
}

void HttpDownlink::wait(std::chrono::milliseconds hold, std::size_t max_bytes,
                        std::function<void(Batch)> ready) {
  last_used_ = std::chrono::steady_clock::now();
  if (waiter_) {
    // Two polls of one client at once: the older one gives way, empty.
    auto older = std::exchange(waiter_, nullptr);
    (*older)(Batch{});
  }
  waiter_ = std::make_shared<std::function<void(Batch)>>(std::move(ready));
  waiter_max_bytes_ = max_bytes;
  if (!pending_.empty()) return schedule_wake();
  hold_timer_.expires_after(hold);
  hold_timer_.async_wait(
      [self = shared_from_this(), waiter = waiter_](const boost::system::error_code& ec) {
        if (ec || self->waiter_ != waiter) return;
        self->waiter_ = nullptr;
        self->last_used_ = std::chrono::steady_clock::now();
        (*waiter)(Batch{});
      });
}

void HttpDownlink::answer_waiter() {
  auto waiter = std::exchange(waiter_, nullptr);
  hold_timer_.cancel();
  (*waiter)(take(waiter_max_bytes_));
}

void HttpDownlink::listen(const void* owner, std::function<void()> on_frames) {
  listener_ = std::make_shared<std::function<void()>>(std::move(on_frames));
  listener_owner_ = owner;
  last_used_ = std::chrono::steady_clock::now();
  if (!pending_.empty()) schedule_wake();
}

void HttpDownlink::stop_listening(const void* owner) {
  last_used_ = std::chrono::steady_clock::now();
  if (listener_owner_ != owner) return;
  listener_ = nullptr;
  listener_owner_ = nullptr;
}

HttpDownlink::Batch HttpDownlink::take(std::size_t max_bytes) {
  Batch batch;
  std::size_t bytes = 0;
  while (!pending_.empty()) {
    const std::size_t size = pending_.front().frame.json->size();
    // At least one frame always goes, however large, so a big snapshot cannot block the queue.
    if (!batch.frames.empty() && bytes + size > max_bytes) {
      batch.more = true;
      break;
    }
    bytes += size;
    pending_bytes_ -= size;
    PendingFrame& next = pending_.front();
    if (next.frame.version_after && !next.doc.empty()) {
      handed_out_[next.doc] = next.frame.version_after;
      awaited_snapshots_.erase(next.doc);
    }
    // A refused subscription (too_many_new_docs): the next request naming it starts afresh.
    if (next.frame.ends_subscription) handed_out_.erase(next.doc);
    batch.frames.push_back(std::move(next));
    pending_.pop_front();
  }
  // More also promises the snapshots asked for that have not come from their documents yet.
  batch.snapshots_awaited = !awaited_snapshots_.empty();
  last_used_ = std::chrono::steady_clock::now();
  return batch;
}

std::string HttpDownlink::cursor() const {
  std::string cursor;
  for (const auto& [doc, version] : handed_out_) {
    if (!version) continue;
    if (!cursor.empty()) cursor += ',';
    cursor += doc + '@' + std::to_string(*version);
  }
  return cursor;
}

void HttpDownlink::leave(const std::string& doc) {
  if (closed_ || handed_out_.erase(doc) == 0) return;
  awaited_snapshots_.erase(doc);
  session_->handle(proto::Unsubscribe{doc});
  // Frames of the document not yet handed out go too: take() must not resurrect its cursor.
  std::erase_if(pending_, [&](const PendingFrame& pending) {
    if (pending.doc != doc) return false;
    pending_bytes_ -= pending.frame.json->size();
    return true;
  });
  if (handed_out_.empty()) close();
}

void HttpDownlink::close() {
  if (closed_) return;
  closed_ = true;
  hold_timer_.cancel();
  pending_.clear();
  if (waiter_) {
    auto waiter = std::exchange(waiter_, nullptr);
    (*waiter)(Batch{{}, false, refusal_});
  }
  auto listener = std::exchange(listener_, nullptr);
  listener_owner_ = nullptr;
  session_->detach();
  // A stream listening now ends at once, so its client's reconnect starts a fresh downlink.
  if (listener) (*listener)();
}

}  // namespace tandem::server
