#pragma once

#include "bus/bus.hpp"

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace tandem::bus {

class InProcessHub;

// One node's end of an InProcessHub: publications reach the other ends subscribed to the topic,
// synchronously on the publisher's thread (listeners only post). With a hub of one end it
// delivers nothing: the bus of a single node (the default).
class InProcessBus final : public Bus {
 public:
  explicit InProcessBus(std::shared_ptr<InProcessHub> hub);
  ~InProcessBus() override;

  void set_listener(Listener listener) override;
  void subscribe(const std::string& topic) override;
  void unsubscribe(const std::string& topic) override;
  void publish(const std::string& topic, std::string payload) override;
  bool shared() const override;
  BusStats stats() const override;
  void close() override;

 private:
  friend class InProcessHub;
  // Called by the hub with its lock released.
  void deliver(const std::string& topic, const std::string& payload);

  std::shared_ptr<InProcessHub> hub_;
  mutable std::mutex mutex_;
  Listener listener_;
  std::set<std::string, std::less<>> topics_;
  BusStats stats_;
  bool closed_ = false;
};

// Connects the InProcessBus ends of several nodes in one process (tests of several simulated
// nodes); a hub with one end is the single node's bus.
class InProcessHub : public std::enable_shared_from_this<InProcessHub> {
 public:
  static std::shared_ptr<InProcessHub> create();
  std::unique_ptr<InProcessBus> attach();
  std::size_t ends() const;

 private:
  friend class InProcessBus;
  InProcessHub() = default;
  void detach(InProcessBus* end);
  void publish(const InProcessBus* from, const std::string& topic, const std::string& payload);

  mutable std::mutex mutex_;
  std::vector<InProcessBus*> ends_;
};

}  // namespace tandem::bus
