#include "collab/fanout_group.hpp"

#include <algorithm>

namespace tandem::collab {

void FanoutGroup::remove(const Subscriber* subscriber) {
  std::erase_if(members_,
                [subscriber](const SubscriberPtr& member) { return member.get() == subscriber; });
}

void FanoutGroup::deliver(const Frame& frame, const Subscriber* author,
                          const Frame* author_frame) const {
  for (const SubscriberPtr& member : members_) {
    if (author_frame != nullptr && member.get() == author) {
      member->deliver(doc_, *author_frame);
    } else {
      member->deliver(doc_, frame);
    }
  }
}

void FanoutGroup::deliver_except(const Frame& frame, const Subscriber* skip) const {
  for (const SubscriberPtr& member : members_) {
    if (member.get() != skip) member->deliver(doc_, frame);
  }
}

}  // namespace tandem::collab
