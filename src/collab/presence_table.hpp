#pragma once

#include "collab/subscriber.hpp"
#include "ot/op.hpp"
#include "ot/position.hpp"

#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

namespace tandem::collab {

using Clock = std::chrono::steady_clock;

// What a client shows of itself in a document: its selections (at the document's durable
// version), its display name and colour.
struct PresenceState {
  std::vector<ot::Selection> selections;
  std::string name;
  std::string color;
};

// The presence entries of one document, keyed by client id. Selections are kept current by
// moving them through every op the document confirms.
class PresenceTable {
 public:
  struct Entry {
    SubscriberPtr owner;  // null for a client on another node (heard on the bus)
    PresenceState state;
    Clock::time_point last_seen;
    Clock::time_point last_broadcast;
    Clock::time_point last_published;  // on the bus, for other nodes (a local owner only)
    // Updated since its last broadcast; goes out when the rate limit allows.
    bool pending = false;
  };

  // Records an update; returns the entry so the caller can decide whether to broadcast now.
  Entry& update(const SubscriberPtr& owner, PresenceState state, Clock::time_point now);
  // The same for a client on another node: no owner here.
  Entry& update_remote(const std::string& client, PresenceState state, Clock::time_point now);
  // Removes the client's entry if `owner` still owns it; true when something was removed.
  bool remove(const std::string& client, const Subscriber* owner);
  void transform(const ot::Op& op);

  std::unordered_map<std::string, Entry>& entries() { return entries_; }
  const std::unordered_map<std::string, Entry>& entries() const { return entries_; }

 private:
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace tandem::collab
