#include "fake_bus.hpp"

#include <algorithm>
#include <utility>

namespace tandem::collab::test {

std::unique_ptr<FakeBus> FakeBusHub::attach(std::size_t node) {
  auto end = std::make_unique<FakeBus>(*this, node);
  ends_.push_back(end.get());
  return end;
}

void FakeBusHub::publish(const FakeBus* from, const std::string& topic,
                         const std::string& payload) {
  ++published;
  for (FakeBus* end : ends_) {
    // Like a broker: who subscribes when the message is published hears it, never its sender.
    if (end == from || !end->subscribed(topic)) continue;
    if (faults_.drop_percent > 0 && static_cast<int>(random_() % 100) < faults_.drop_percent) {
      ++dropped;
      continue;
    }
    queue_.push_back(Message{end, topic, payload});
    if (faults_.duplicate_percent > 0 &&
        static_cast<int>(random_() % 100) < faults_.duplicate_percent) {
      ++duplicated;
      queue_.push_back(Message{end, topic, payload});
    }
  }
}

bool FakeBusHub::deliver_one(bool reorder) {
  if (queue_.empty()) return false;
  const std::size_t index = reorder ? random_() % queue_.size() : 0;
  Message message = std::move(queue_[index]);
  queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(index));
  FakeBus* to = message.to;
  if (to->closed_ || !to->listener_.on_message) return true;
  ++delivered;
  ++to->received_;
  to->listener_.on_message(message.topic, message.payload);
  return true;
}

std::size_t FakeBusHub::deliver_all() {
  std::size_t count = 0;
  while (deliver_one()) ++count;
  return count;
}

std::size_t FakeBusHub::drop_all() {
  const std::size_t count = queue_.size();
  dropped += count;
  queue_.clear();
  return count;
}

void FakeBusHub::reconnect(std::size_t node) {
  for (FakeBus* end : ends_) {
    if (end->node_ == node && !end->closed_ && end->listener_.on_reconnect) {
      end->listener_.on_reconnect();
    }
  }
}

void FakeBusHub::detach(FakeBus* end) {
  std::erase(ends_, end);
  std::erase_if(queue_, [end](const Message& message) { return message.to == end; });
}

void FakeBus::publish(const std::string& topic, std::string payload) {
  if (closed_) return;
  ++published_;
  hub_.publish(this, topic, payload);
}

bus::BusStats FakeBus::stats() const {
  bus::BusStats stats;
  stats.published = published_;
  stats.received = received_;
  stats.subscribed_topics = topics_.size();
  return stats;
}

void FakeBus::close() {
  if (closed_) return;
  closed_ = true;
  hub_.detach(this);
}

}  // namespace tandem::collab::test
