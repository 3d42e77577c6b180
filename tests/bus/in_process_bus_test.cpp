#include "bus/in_process_bus.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace tandem::bus {
namespace {

using Heard = std::vector<std::pair<std::string, std::string>>;

Bus::Listener recorder(Heard& heard, int* reconnects = nullptr) {
  return {[&heard](std::string_view topic, std::string_view payload) {
            heard.emplace_back(topic, payload);
          },
          [reconnects] {
            if (reconnects != nullptr) ++*reconnects;
          }};
}

TEST(InProcessBusTest, TwoEndsDeliverOnSubscribedTopicsOnly) {
  auto hub = InProcessHub::create();
  auto a = hub->attach();
  auto b = hub->attach();
  Heard heard_by_a;
  Heard heard_by_b;
  a->set_listener(recorder(heard_by_a));
  b->set_listener(recorder(heard_by_b));
  a->subscribe("doc-a");
  b->subscribe("doc-b");

  a->publish("doc-b", "to b");
  a->publish("doc-nobody", "lost");
  b->publish("doc-a", "to a");
  EXPECT_EQ(heard_by_a, (Heard{{"doc-a", "to a"}}));
  EXPECT_EQ(heard_by_b, (Heard{{"doc-b", "to b"}}));
  EXPECT_EQ(a->stats().published, 2u);
  EXPECT_EQ(b->stats().received, 1u);
  EXPECT_EQ(a->stats().subscribed_topics, 1u);
}

TEST(InProcessBusTest, OwnPublicationsAreSkipped) {
  auto hub = InProcessHub::create();
  auto a = hub->attach();
  auto b = hub->attach();
  Heard heard_by_a;
  Heard heard_by_b;
  a->set_listener(recorder(heard_by_a));
  b->set_listener(recorder(heard_by_b));
  a->subscribe("doc");
  b->subscribe("doc");
  a->publish("doc", "mine");
  EXPECT_TRUE(heard_by_a.empty());
  EXPECT_EQ(heard_by_b, (Heard{{"doc", "mine"}}));
}

TEST(InProcessBusTest, UnsubscribeAndCloseStopDelivery) {
  auto hub = InProcessHub::create();
  auto a = hub->attach();
  auto b = hub->attach();
  Heard heard_by_a;
  a->set_listener(recorder(heard_by_a));
  a->subscribe("doc");
  a->unsubscribe("doc");
  b->publish("doc", "after unsubscribe");
  a->subscribe("doc");
  a->close();
  b->publish("doc", "after close");
  EXPECT_TRUE(heard_by_a.empty());
  EXPECT_EQ(hub->ends(), 1u);
}

TEST(InProcessBusTest, SharedOnlyWithAnotherEnd) {
  auto hub = InProcessHub::create();
  auto single = hub->attach();
  // The single node's bus: nothing to hear from, the layer above polls nothing either.
  EXPECT_FALSE(single->shared());
  EXPECT_TRUE(single->stats().connected);
  {
    auto other = hub->attach();
    EXPECT_TRUE(single->shared());
    EXPECT_TRUE(other->shared());
  }
  EXPECT_FALSE(single->shared());
}

}  // namespace
}  // namespace tandem::bus
