#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace tandem::bus {

// What a bus has done since it started, for GET /metrics.
struct BusStats {
  bool connected = true;              // false while the bus cannot reach its broker
  std::uint64_t published = 0;        // messages handed to the broker
  std::uint64_t publish_dropped = 0;  // messages dropped because the broker was unreachable
  std::uint64_t received = 0;         // messages delivered to the listener
  std::uint64_t disconnects = 0;      // times the connection to the broker was lost
  std::uint64_t reconnects = 0;       // times it came back (each one fires on_reconnect)
  std::uint64_t subscribed_topics = 0;
};

// Cross-node notifications (DESIGN.md §2, §9): opaque payloads on named topics (a topic is a
// document id). A hint, never the truth: messages may be lost, duplicated or arrive late, and
// the layers above must stay correct without them (they read the store on a gap or a head
// check). Thread-safe: every method may be called from any thread; the listener's callbacks run
// on the bus's own thread and must only post elsewhere.
class Bus {
 public:
  struct Listener {
    // A payload another node published on a topic this node subscribes to. Never called for
    // this node's own publications.
    std::function<void(std::string_view topic, std::string_view payload)> on_message;
    // The bus was disconnected and is back: messages may have been lost meanwhile.
    std::function<void()> on_reconnect;
  };

  virtual ~Bus() = default;

  // Set once, before the first subscribe.
  virtual void set_listener(Listener listener) = 0;
  // Topics are not counted: one subscribe per topic, one unsubscribe when it is no longer needed.
  virtual void subscribe(const std::string& topic) = 0;
  virtual void unsubscribe(const std::string& topic) = 0;
  // Fire and forget; dropped (and counted) while the broker is unreachable.
  virtual void publish(const std::string& topic, std::string payload) = 0;
  // False for a bus that only serves one node (nothing to hear from).
  virtual bool shared() const = 0;
  virtual BusStats stats() const = 0;
  // Stops delivering and disconnects; blocks until the listener will not be called again.
  virtual void close() = 0;
};

}  // namespace tandem::bus
