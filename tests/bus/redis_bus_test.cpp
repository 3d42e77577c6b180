// RedisBus against a real redis-server started by the test (redis_test_server.cpp): two buses
// play two nodes. Deadlines are generous (a loaded 2-core machine, sanitizers): they only bound
// a failure, and the tests wait for events, never for fixed times.

#include "bus/redis_bus.hpp"
#include "redis_test_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tandem::bus {
namespace {

using namespace std::chrono_literals;
using test::RedisTestServer;

std::chrono::milliseconds patience() {
  return std::getenv("TANDEM_SANITIZED") != nullptr ? 120s : 30s;
}

// What one node's listener heard.
class Recorder {
 public:
  struct Message {
    std::string topic;
    std::string payload;
    bool operator==(const Message&) const = default;
  };

  Bus::Listener listener() {
    return {[this](std::string_view topic, std::string_view payload) {
              const std::lock_guard lock(mutex_);
              messages_.push_back({std::string(topic), std::string(payload)});
              changed_.notify_all();
            },
            [this] {
              const std::lock_guard lock(mutex_);
              ++reconnects_;
              changed_.notify_all();
            }};
  }

  // Waits until `count` messages arrived.
  bool wait_messages(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, patience(), [&] { return messages_.size() >= count; });
  }
  bool wait_reconnects(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, patience(), [&] { return reconnects_ >= count; });
  }
  std::vector<Message> messages() {
    const std::lock_guard lock(mutex_);
    return messages_;
  }
  int reconnects() {
    const std::lock_guard lock(mutex_);
    return reconnects_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Message> messages_;
  int reconnects_ = 0;
};

template <typename Predicate>
bool eventually(Predicate predicate) {
  const auto deadline = std::chrono::steady_clock::now() + patience();
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

RedisBusOptions options_for(const std::string& url, std::string prefix = "tandem:") {
  RedisBusOptions options;
  options.url = url;
  options.prefix = std::move(prefix);
  // Short retries keep the restart tests quick; the cap is what production uses.
  options.backoff_min = 50ms;
  options.backoff_max = 1s;
  return options;
}

std::unique_ptr<RedisBus> open_bus(const RedisBusOptions& options, Recorder& recorder) {
  auto opened = RedisBus::open(options);
  EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error());
  if (!opened.ok()) return nullptr;
  auto bus = std::move(opened).value();
  bus->set_listener(recorder.listener());
  return bus;
}

class RedisBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisTestServer::find_binary().empty()) {
      GTEST_SKIP() << "redis-server not installed; scripts/install-deps installs it";
    }
    std::string error;
    ASSERT_TRUE(redis_.start(error)) << error;
  }

  // Two nodes on the same Redis and prefix.
  void open_nodes(const std::string& prefix = "tandem:") {
    a_ = open_bus(options_for(redis_.url(), prefix), heard_by_a_);
    b_ = open_bus(options_for(redis_.url(), prefix), heard_by_b_);
    ASSERT_TRUE(a_ && b_);
    ASSERT_TRUE(a_->stats().connected);
    ASSERT_TRUE(b_->stats().connected);
  }

  RedisTestServer redis_;
  Recorder heard_by_a_;
  Recorder heard_by_b_;
  std::unique_ptr<RedisBus> a_;
  std::unique_ptr<RedisBus> b_;
};

TEST_F(RedisBusTest, TwoNodesExchangeMessagesOnSubscribedTopicsOnly) {
  open_nodes();
  a_->subscribe("doc-a");
  b_->subscribe("doc-b");
  ASSERT_TRUE(a_->wait_settled(patience()));
  ASSERT_TRUE(b_->wait_settled(patience()));

  a_->publish("doc-b", "to b");
  a_->publish("doc-nobody", "lost");
  b_->publish("doc-a", "to a");
  ASSERT_TRUE(heard_by_a_.wait_messages(1));
  ASSERT_TRUE(heard_by_b_.wait_messages(1));
  // Markers published after the others: once they arrive, anything else would have too.
  a_->publish("doc-b", "marker");
  ASSERT_TRUE(heard_by_b_.wait_messages(2));

  using M = Recorder::Message;
  EXPECT_EQ(heard_by_a_.messages(), (std::vector<M>{{"doc-a", "to a"}}));
  EXPECT_EQ(heard_by_b_.messages(), (std::vector<M>{{"doc-b", "to b"}, {"doc-b", "marker"}}));
  EXPECT_EQ(a_->stats().published, 3u);
  EXPECT_EQ(b_->stats().received, 2u);
  EXPECT_EQ(a_->stats().subscribed_topics, 1u);
  EXPECT_TRUE(a_->shared());
}

TEST_F(RedisBusTest, OwnPublicationsAreNeverDelivered) {
  open_nodes();
  a_->subscribe("doc");
  b_->subscribe("doc");
  ASSERT_TRUE(a_->wait_settled(patience()));
  ASSERT_TRUE(b_->wait_settled(patience()));

  a_->publish("doc", "from a");
  ASSERT_TRUE(heard_by_b_.wait_messages(1));
  // B publishes only after it heard A: Redis has sent A's message to A (if it ever would) first.
  b_->publish("doc", "from b");
  ASSERT_TRUE(heard_by_a_.wait_messages(1));

  using M = Recorder::Message;
  EXPECT_EQ(heard_by_a_.messages(), (std::vector<M>{{"doc", "from b"}}));
  EXPECT_EQ(heard_by_b_.messages(), (std::vector<M>{{"doc", "from a"}}));
  EXPECT_EQ(a_->stats().received, 1u);
}

TEST_F(RedisBusTest, TopicsAndPayloadsAreBinarySafe) {
  open_nodes();
  const std::string topic("doc\0with\xff\r\n bytes*?[x]", 21);
  std::string payload;
  for (int i = 0; i < 256; ++i) payload += static_cast<char>(i);
  payload += payload;
  a_->subscribe(topic);
  ASSERT_TRUE(a_->wait_settled(patience()));
  b_->publish(topic, payload);
  b_->publish(topic, "");
  ASSERT_TRUE(heard_by_a_.wait_messages(2));
  using M = Recorder::Message;
  EXPECT_EQ(heard_by_a_.messages(), (std::vector<M>{{topic, payload}, {topic, ""}}));
}

TEST_F(RedisBusTest, DeploymentsWithDifferentPrefixesDoNotHearEachOther) {
  Recorder heard_by_c;
  Recorder heard_by_d;
  auto one_a = open_bus(options_for(redis_.url(), "one:"), heard_by_a_);
  auto one_b = open_bus(options_for(redis_.url(), "one:"), heard_by_c);
  auto two = open_bus(options_for(redis_.url(), "two:"), heard_by_b_);
  auto two_b = open_bus(options_for(redis_.url(), "two:"), heard_by_d);
  ASSERT_TRUE(one_a && one_b && two && two_b);
  one_a->subscribe("doc");
  two->subscribe("doc");
  ASSERT_TRUE(one_a->wait_settled(patience()));
  ASSERT_TRUE(two->wait_settled(patience()));

  one_b->publish("doc", "for one");
  ASSERT_TRUE(heard_by_a_.wait_messages(1));
  two_b->publish("doc", "for two");
  ASSERT_TRUE(heard_by_b_.wait_messages(1));

  using M = Recorder::Message;
  EXPECT_EQ(heard_by_a_.messages(), (std::vector<M>{{"doc", "for one"}}));
  EXPECT_EQ(heard_by_b_.messages(), (std::vector<M>{{"doc", "for two"}}));
}

TEST_F(RedisBusTest, UnsubscribeStopsDelivery) {
  open_nodes();
  a_->subscribe("doc");
  ASSERT_TRUE(a_->wait_settled(patience()));
  b_->publish("doc", "before");
  ASSERT_TRUE(heard_by_a_.wait_messages(1));

  a_->unsubscribe("doc");
  a_->subscribe("marker");
  EXPECT_EQ(a_->stats().subscribed_topics, 1u);
  ASSERT_TRUE(a_->wait_settled(patience()));
  b_->publish("doc", "after");
  b_->publish("marker", "end");
  ASSERT_TRUE(heard_by_a_.wait_messages(2));

  using M = Recorder::Message;
  EXPECT_EQ(heard_by_a_.messages(), (std::vector<M>{{"doc", "before"}, {"marker", "end"}}));
}

TEST_F(RedisBusTest, SubscriptionChurnEndsInTheLastStateOfEachTopic) {
  open_nodes();
  // Subscribe and unsubscribe in quick succession, without waiting for Redis in between.
  for (int round = 0; round < 50; ++round) {
    for (int topic = 0; topic < 10; ++topic) {
      const std::string name = "doc-" + std::to_string(topic);
      if ((round + topic) % 3 == 0) {
        a_->unsubscribe(name);
      } else {
        a_->subscribe(name);
      }
    }
  }
  // Round 49 leaves subscribed the topics with (49 + topic) % 3 != 0: all but 2, 5 and 8.
  ASSERT_TRUE(a_->wait_settled(patience()));
  EXPECT_EQ(a_->stats().subscribed_topics, 7u);
  for (int topic = 0; topic < 10; ++topic) {
    b_->publish("doc-" + std::to_string(topic), std::to_string(topic));
  }
  a_->subscribe("marker");
  ASSERT_TRUE(a_->wait_settled(patience()));
  b_->publish("marker", "end");
  ASSERT_TRUE(heard_by_a_.wait_messages(8));
  std::vector<std::string> heard;
  for (const auto& message : heard_by_a_.messages()) heard.push_back(message.payload);
  EXPECT_EQ(heard, (std::vector<std::string>{"0", "1", "3", "4", "6", "7", "9", "end"}));
}

TEST_F(RedisBusTest, PublishersOnManyThreadsKeepEachThreadsOrder) {
  open_nodes();
  a_->subscribe("doc");
  ASSERT_TRUE(a_->wait_settled(patience()));
  constexpr int kThreads = 4;
  constexpr int kEach = 1000;
  std::vector<std::thread> publishers;
  publishers.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    publishers.emplace_back([this, t] {
      for (int i = 0; i < kEach; ++i) {
        b_->publish("doc", std::to_string(t) + ":" + std::to_string(i));
      }
    });
  }
  for (std::thread& publisher : publishers) publisher.join();
  ASSERT_TRUE(heard_by_a_.wait_messages(std::size_t{kThreads} * kEach));
  std::vector<int> next(kThreads, 0);
  for (const auto& message : heard_by_a_.messages()) {
    const auto colon = message.payload.find(':');
    const int t = std::stoi(message.payload.substr(0, colon));
    ASSERT_EQ(std::stoi(message.payload.substr(colon + 1)), next[static_cast<std::size_t>(t)]++);
  }
}

TEST_F(RedisBusTest, ALargePayloadArrivesWhole) {
  open_nodes();
  a_->subscribe("doc");
  ASSERT_TRUE(a_->wait_settled(patience()));
  std::string payload(4u << 20, 'x');
  for (std::size_t i = 0; i < payload.size(); i += 4097) payload[i] = static_cast<char>(i % 251);
  b_->publish("doc", payload);
  ASSERT_TRUE(heard_by_a_.wait_messages(1));
  EXPECT_TRUE(heard_by_a_.messages()[0].payload == payload);
}

TEST_F(RedisBusTest, ABurstOfTenThousandArrivesComplete_InOrder) {
  open_nodes();
  a_->subscribe("hot");
  ASSERT_TRUE(a_->wait_settled(patience()));
  constexpr int kMessages = 10'000;
  for (int i = 0; i < kMessages; ++i) b_->publish("hot", std::to_string(i));
  ASSERT_TRUE(heard_by_a_.wait_messages(kMessages)) << heard_by_a_.messages().size();
  const auto messages = heard_by_a_.messages();
  ASSERT_EQ(messages.size(), static_cast<std::size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_EQ(messages[static_cast<std::size_t>(i)].payload, std::to_string(i)) << i;
  }
  EXPECT_EQ(b_->stats().publish_dropped, 0u);
  EXPECT_EQ(a_->stats().received, static_cast<std::uint64_t>(kMessages));
}

TEST_F(RedisBusTest, RedisKilledThenRestartedReconnectsAndResubscribesByItself) {
  open_nodes();
  a_->subscribe("doc");
  a_->subscribe("other");
  ASSERT_TRUE(a_->wait_settled(patience()));

  redis_.kill();
  ASSERT_TRUE(eventually([&] { return !a_->stats().connected && !b_->stats().connected; }));
  EXPECT_EQ(a_->stats().disconnects, 1u);
  // Publishing into the outage: dropped and counted, nothing queued, nothing crashes.
  for (int i = 0; i < 100; ++i) b_->publish("doc", "into the void");
  EXPECT_EQ(b_->stats().publish_dropped, 100u);
  EXPECT_EQ(heard_by_a_.reconnects(), 0);

  std::string error;
  ASSERT_TRUE(redis_.start(error)) << error;
  ASSERT_TRUE(heard_by_a_.wait_reconnects(1));
  ASSERT_TRUE(heard_by_b_.wait_reconnects(1));
  EXPECT_TRUE(a_->stats().connected);
  EXPECT_EQ(a_->stats().reconnects, 1u);
  EXPECT_EQ(a_->stats().subscribed_topics, 2u);

  // on_reconnect came after the subscriptions were restored: delivery works at once.
  ASSERT_TRUE(b_->wait_settled(patience()));
  b_->publish("doc", "after restart");
  b_->publish("other", "also");
  ASSERT_TRUE(heard_by_a_.wait_messages(2));
  using M = Recorder::Message;
  EXPECT_EQ(heard_by_a_.messages(), (std::vector<M>{{"doc", "after restart"}, {"other", "also"}}));
}

TEST_F(RedisBusTest, RedisDownAtOpenConnectsWhenItComesUp) {
  const std::string url = redis_.url();
  redis_.kill();
  const auto started = std::chrono::steady_clock::now();
  a_ = open_bus(options_for(url), heard_by_a_);
  ASSERT_TRUE(a_);
  // open() waits for the first attempt only, and a refused connection is quick.
  EXPECT_LT(std::chrono::steady_clock::now() - started, patience());
  EXPECT_FALSE(a_->stats().connected);
  a_->subscribe("doc");
  a_->publish("doc", "dropped");
  EXPECT_EQ(a_->stats().publish_dropped, 1u);

  std::string error;
  ASSERT_TRUE(redis_.start(error)) << error;
  ASSERT_TRUE(heard_by_a_.wait_reconnects(1));
  EXPECT_TRUE(a_->stats().connected);
  EXPECT_EQ(a_->stats().disconnects, 0u);  // it never had a connection to lose

  b_ = open_bus(options_for(url), heard_by_b_);
  ASSERT_TRUE(b_);
  b_->publish("doc", "hello");
  ASSERT_TRUE(heard_by_a_.wait_messages(1));
  EXPECT_EQ(heard_by_a_.messages()[0].payload, "hello");
}

TEST_F(RedisBusTest, CloseWhileRedisIsDownReturnsPromptly) {
  open_nodes();
  a_->subscribe("doc");
  redis_.kill();
  ASSERT_TRUE(eventually([&] { return !a_->stats().connected; }));
  const auto started = std::chrono::steady_clock::now();
  a_->close();
  b_->close();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  a_->publish("doc", "after close");  // ignored, no crash
  a_->close();                        // idempotent
}

TEST_F(RedisBusTest, AFrozenRedisIsDetectedAndCloseDoesNotHang) {
  RedisBusOptions options = options_for(redis_.url());
  options.timeout = 1s;
  options.health_interval = 100ms;
  a_ = open_bus(options, heard_by_a_);
  ASSERT_TRUE(a_ && a_->stats().connected);
  a_->subscribe("doc");
  ASSERT_TRUE(a_->wait_settled(patience()));

  // The TCP connections stay open; only the PINGs go unanswered.
  redis_.freeze();
  ASSERT_TRUE(eventually([&] { return !a_->stats().connected; }));
  EXPECT_GE(a_->stats().disconnects, 1u);
  redis_.thaw();
  ASSERT_TRUE(heard_by_a_.wait_reconnects(1));

  redis_.freeze();
  ASSERT_TRUE(eventually([&] { return !a_->stats().connected; }));
  const auto started = std::chrono::steady_clock::now();
  a_->close();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  redis_.thaw();
}

TEST_F(RedisBusTest, AHostNameIsResolvedToTheAddressRedisListensOn) {
  // The test server listens on 127.0.0.1 only; "localhost" may list ::1 first.
  a_ = open_bus(options_for("redis://localhost:" + std::to_string(redis_.port()) + "/0"),
                heard_by_a_);
  ASSERT_TRUE(a_);
  EXPECT_TRUE(a_->stats().connected);
}

TEST_F(RedisBusTest, APasswordInTheUrlIsSentWithAuth) {
  RedisTestServer guarded("s3cret:with@odd/chars");
  std::string error;
  ASSERT_TRUE(guarded.start(error)) << error;
  const std::string encoded =
      "redis://:s3cret%3Awith%40odd%2Fchars@127.0.0.1:" + std::to_string(guarded.port());
  a_ = open_bus(options_for(encoded), heard_by_a_);
  ASSERT_TRUE(a_);
  EXPECT_TRUE(a_->stats().connected);

  // A wrong password: no connection, and the bus keeps trying without failing anything.
  b_ = open_bus(options_for("redis://:wrong@127.0.0.1:" + std::to_string(guarded.port())),
                heard_by_b_);
  ASSERT_TRUE(b_);
  EXPECT_FALSE(b_->stats().connected);
  b_->publish("doc", "x");
  EXPECT_EQ(b_->stats().publish_dropped, 1u);
}

TEST(RedisBusOpenTest, ABadUrlIsRefusedWithItsReason) {
  auto opened = RedisBus::open(RedisBusOptions{"http://cache:6379", "tandem:"});
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().find("expected a redis://HOST:PORT URL"), std::string::npos)
      << opened.error();

  opened = RedisBus::open(RedisBusOptions{"redis://:hunter2@cache:99999", "tandem:"});
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().find("port"), std::string::npos) << opened.error();
  EXPECT_EQ(opened.error().find("hunter2"), std::string::npos) << opened.error();
}

}  // namespace
}  // namespace tandem::bus
