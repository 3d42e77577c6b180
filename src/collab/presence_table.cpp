#include "collab/presence_table.hpp"

#include <utility>

namespace tandem::collab {

PresenceTable::Entry& PresenceTable::update(const SubscriberPtr& owner, PresenceState state,
                                            Clock::time_point now) {
  Entry& entry = entries_[owner->client()];
  // A reconnecting client's new connection takes over the entry of its old one.
  entry.owner = owner;
  entry.state = std::move(state);
  entry.last_seen = now;
  entry.pending = true;
  return entry;
}

PresenceTable::Entry& PresenceTable::update_remote(const std::string& client, PresenceState state,
                                                   Clock::time_point now) {
  Entry& entry = entries_[client];
  // The client moved to another node: its entry here is now that node's.
  entry.owner = nullptr;
  entry.state = std::move(state);
  entry.last_seen = now;
  entry.pending = true;
  return entry;
}

bool PresenceTable::remove(const std::string& client, const Subscriber* owner) {
  auto found = entries_.find(client);
  if (found == entries_.end() || found->second.owner.get() != owner) return false;
  entries_.erase(found);
  return true;
}

void PresenceTable::transform(const ot::Op& op) {
  for (auto& [client, entry] : entries_) {
    for (ot::Selection& selection : entry.state.selections) {
      selection = ot::transform_selection(selection, op);
    }
  }
}

}  // namespace tandem::collab
