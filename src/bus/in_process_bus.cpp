#include "bus/in_process_bus.hpp"

#include <algorithm>
#include <utility>

namespace tandem::bus {

InProcessBus::InProcessBus(std::shared_ptr<InProcessHub> hub) : hub_(std::move(hub)) {}

InProcessBus::~InProcessBus() { close(); }

void InProcessBus::set_listener(Listener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

void InProcessBus::subscribe(const std::string& topic) {
  std::lock_guard lock(mutex_);
  topics_.insert(topic);
  stats_.subscribed_topics = topics_.size();
}

void InProcessBus::unsubscribe(const std::string& topic) {
  std::lock_guard lock(mutex_);
  topics_.erase(topic);
  stats_.subscribed_topics = topics_.size();
}

void InProcessBus::publish(const std::string& topic, std::string payload) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    ++stats_.published;
  }
  hub_->publish(this, topic, payload);
}

bool InProcessBus::shared() const { return hub_->ends() > 1; }

BusStats InProcessBus::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void InProcessBus::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
  }
  // After detach returns no publisher holds this end any more.
  hub_->detach(this);
}

void InProcessBus::deliver(const std::string& topic, const std::string& payload) {
  std::function<void(std::string_view, std::string_view)> on_message;
  {
    std::lock_guard lock(mutex_);
    if (closed_ || !topics_.contains(topic) || !listener_.on_message) return;
    ++stats_.received;
    on_message = listener_.on_message;
  }
  on_message(topic, payload);
}

std::shared_ptr<InProcessHub> InProcessHub::create() {
  return std::shared_ptr<InProcessHub>(new InProcessHub());
}

std::unique_ptr<InProcessBus> InProcessHub::attach() {
  auto end = std::make_unique<InProcessBus>(shared_from_this());
  std::lock_guard lock(mutex_);
  ends_.push_back(end.get());
  return end;
}

std::size_t InProcessHub::ends() const {
  std::lock_guard lock(mutex_);
  return ends_.size();
}

void InProcessHub::detach(InProcessBus* end) {
  std::lock_guard lock(mutex_);
  std::erase(ends_, end);
}

void InProcessHub::publish(const InProcessBus* from, const std::string& topic,
                           const std::string& payload) {
  // Held while delivering so an end cannot be detached (and destroyed) mid-delivery; listeners
  // only post, so they never call back into the hub.
  std::lock_guard lock(mutex_);
  for (InProcessBus* end : ends_) {
    if (end != from) end->deliver(topic, payload);
  }
}

}  // namespace tandem::bus
