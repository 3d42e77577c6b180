#include "collab/fanout_group.hpp"

#include <algorithm>

namespace tandem::collab {

void FanoutGroup::remove(const Subscriber* subscriber) {
  std::erase_if(members_,
                [subscriber](const SubscriberPtr& member) { return member.get() == subscriber; });
}

void FanoutGroup::deliver(const Frame& frame, const Subscriber* author,
                          const Frame* author_frame) const {
  // The author's ack first: its connection flushes at once, before the loop's fan-out tick,
  // so one writer facing thousands of viewers is not held up by their writes.
  const Subscriber* acked = nullptr;
  if (author_frame != nullptr) {
    for (const SubscriberPtr& member : members_) {
      if (member.get() == author) {
        member->deliver(doc_, *author_frame);
        acked = author;
        break;
      }
    }
  }
  for (const SubscriberPtr& member : members_) {
    if (member.get() != acked) member->deliver(doc_, frame);
  }
}

void FanoutGroup::deliver_except(const Frame& frame, const Subscriber* skip) const {
  for (const SubscriberPtr& member : members_) {
    if (member.get() != skip) member->deliver(doc_, frame);
  }
}

}  // namespace tandem::collab
