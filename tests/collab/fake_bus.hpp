#pragma once

#include "bus/bus.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace tandem::collab::test {

class FakeBus;

// A bus connecting simulated nodes that holds every message until the test delivers it, and
// can drop, duplicate and reorder them (seeded): the hints of DESIGN.md §9 at their least
// reliable. Single-threaded: used from the test thread only, which plays the bus's thread.
class FakeBusHub {
 public:
  struct Faults {
    int drop_percent = 0;       // a publication is lost for one receiver
    int duplicate_percent = 0;  // a publication reaches a receiver twice
  };

  explicit FakeBusHub(std::uint64_t seed) : random_(seed) {}

  std::unique_ptr<FakeBus> attach(std::size_t node);
  void set_faults(Faults faults) { faults_ = faults; }

  std::size_t pending() const { return queue_.size(); }
  // Delivers the oldest message (or, with `reorder`, a random one); false when none waits.
  bool deliver_one(bool reorder = false);
  std::size_t deliver_all();
  // Loses every message in flight.
  std::size_t drop_all();
  // The node's bus lost its broker and came back (its listener hears on_reconnect).
  void reconnect(std::size_t node);

  std::size_t published = 0;
  std::size_t dropped = 0;
  std::size_t duplicated = 0;
  std::size_t delivered = 0;

 private:
  friend class FakeBus;
  struct Message {
    FakeBus* to;
    std::string topic;
    std::string payload;
  };
  void publish(const FakeBus* from, const std::string& topic, const std::string& payload);
  void detach(FakeBus* end);

  std::mt19937_64 random_;
  Faults faults_;
  std::vector<FakeBus*> ends_;
  std::deque<Message> queue_;
};

class FakeBus final : public bus::Bus {
 public:
  FakeBus(FakeBusHub& hub, std::size_t node) : hub_(hub), node_(node) {}
  ~FakeBus() override { close(); }

  void set_listener(Listener listener) override { listener_ = std::move(listener); }
  void subscribe(const std::string& topic) override { topics_.insert(topic); }
  void unsubscribe(const std::string& topic) override { topics_.erase(topic); }
  void publish(const std::string& topic, std::string payload) override;
  bool shared() const override { return true; }
  bus::BusStats stats() const override;
  void close() override;

  std::size_t node() const { return node_; }
  bool subscribed(const std::string& topic) const { return topics_.contains(topic); }

 private:
  friend class FakeBusHub;
  FakeBusHub& hub_;
  std::size_t node_;
  Listener listener_;
  std::set<std::string> topics_;
  std::uint64_t published_ = 0;
  std::uint64_t received_ = 0;
  bool closed_ = false;
};

}  // namespace tandem::collab::test
