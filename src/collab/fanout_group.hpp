#pragma once

#include "collab/subscriber.hpp"

#include <string>
#include <vector>

namespace tandem::collab {

// The subscribers of one document that live on one loop. Owned jointly by the document and the
// frames in flight, but only ever touched on the subscribers' loop: the document posts every
// change and every delivery there, so they happen in order and without locks. One post per
// loop per message, however many subscribers the loop has.
class FanoutGroup {
 public:
  explicit FanoutGroup(std::string doc) : doc_(std::move(doc)) {}

  void add(SubscriberPtr subscriber) { members_.push_back(std::move(subscriber)); }
  void remove(const Subscriber* subscriber);
  // Every member gets `frame`, except `author`, which gets `author_frame` when there is one.
  void deliver(const Frame& frame, const Subscriber* author, const Frame* author_frame) const;
  // Every member except `skip` gets `frame` (presence goes to everyone but its sender).
  void deliver_except(const Frame& frame, const Subscriber* skip) const;

  bool empty() const { return members_.empty(); }

 private:
  std::string doc_;
  std::vector<SubscriberPtr> members_;
};

}  // namespace tandem::collab
