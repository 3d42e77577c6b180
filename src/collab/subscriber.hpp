#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace tandem::collab {

// An encoded protocol message, built once and shared by every connection that sends it.
using SharedText = std::shared_ptr<const std::string>;

// One outbound message for one document.
struct Frame {
  SharedText json;
  // The document version a receiver has after this frame (snapshots, ops, acks); empty for
  // frames that do not move the document (presence, errors). HTTP transports build their
  // resume cursors from it.
  std::optional<std::uint64_t> version_after;
  // Fan-out (another client's op, presence): the connection may hold it until its loop's next
  // pacing tick to write it together with others. Acks, snapshots and errors go at once.
  bool paced = false;
  // The document refused the subscription (too_many_new_docs): the receiver forgets it.
  bool ends_subscription = false;
};

// Asked on a document's loop when a subscribe or submit would create a document the store
// does not have yet: zero allows it, anything else refuses it and says how long to wait.
// Called from any loop, so it must be thread-safe.
using CreationCheck = std::function<std::chrono::milliseconds()>;

// The receiving end of a connection, as documents on any loop see it. A document never calls
// it directly: it posts to the subscriber's loop, so deliver() runs on that loop only, in the
// order the document produced the frames.
class Subscriber {
 public:
  Subscriber(std::size_t loop, std::string client) : loop_(loop), client_(std::move(client)) {}
  virtual ~Subscriber() = default;

  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  std::size_t loop() const { return loop_; }
  const std::string& client() const { return client_; }
  // The connection went away: its submits still queued can be dropped, nobody can be told of
  // their outcome (the client resubmits them with the same seq when it comes back).
  void depart() { departed_.store(true, std::memory_order_relaxed); }
  bool departed() const { return departed_.load(std::memory_order_relaxed); }

  virtual void deliver(const std::string& doc, const Frame& frame) = 0;

 private:
  std::size_t loop_;
  std::string client_;
  std::atomic<bool> departed_{false};
};

using SubscriberPtr = std::shared_ptr<Subscriber>;

}  // namespace tandem::collab
