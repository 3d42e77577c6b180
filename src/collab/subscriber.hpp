#pragma once

#include <cstddef>
#include <cstdint>
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
};

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

  virtual void deliver(const std::string& doc, const Frame& frame) = 0;

 private:
  std::size_t loop_;
  std::string client_;
};

using SubscriberPtr = std::shared_ptr<Subscriber>;

}  // namespace tandem::collab
