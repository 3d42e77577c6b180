// The core every dialect shares: following the version, confirmations, and (for servers that
// replay or reorder, like ShareDB) duplicates dropped and early ops held until the gap fills.
#include "bench/bench_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <memory>
#include <vector>

namespace tandem::bench {
namespace {

// A dialect with no wire: the test plays the server.
class ScriptedClient final : public BenchClient {
 public:
  ScriptedClient(LoopContext& loop, ClientPlan plan, bool reorders)
      : BenchClient(loop, std::move(plan)) {
    if (reorders) tolerate_reordering();
  }
  void snapshot(std::uint64_t version) { snapshot_received(version, version); }
  void op(std::uint64_t version, bool own = false, std::optional<std::uint64_t> seq = {}) {
    op_received(version, own, seq, now_ns());
  }
  using BenchClient::version;
  std::vector<TypingOp> sent;

 protected:
  void open() override {}
  void close() override {}
  void send_op(const TypingOp& op) override { sent.push_back(op); }
};

class BenchClientTest : public ::testing::Test {
 protected:
  std::shared_ptr<ScriptedClient> make(bool reorders) {
    ClientPlan plan;
    plan.role = ClientPlan::Role::kWriter;
    plan.rate = 10;
    plan.client_id = "c";
    plan.doc_id = "d";
    auto client = std::make_shared<ScriptedClient>(loop, plan, reorders);
    client->start();
    return client;
  }
  std::uint64_t deliveries() const { return loop.stats.deliveries.get(); }

  boost::asio::io_context io;
  RunShared shared;
  LoopContext loop{io, shared, 1};

  void SetUp() override { shared.measuring = true; }
};

TEST_F(BenchClientTest, StrictServersMustSendEveryVersionInOrder) {
  auto client = make(false);
  client->snapshot(3);
  client->op(3);
  client->op(4);
  EXPECT_EQ(client->version(), 5u);
  EXPECT_EQ(loop.stats.errors.get(), 0u);
  client->op(6);  // 5 never came
  EXPECT_EQ(loop.stats.error_codes["version_gap"], 1u);
  client->op(6);  // a repeat
  EXPECT_EQ(loop.stats.error_codes["version_gap"], 2u);
}

TEST_F(BenchClientTest, ReorderingServersHaveRepeatsDroppedAndEarlyOpsHeld) {
  auto client = make(true);
  // Ops queued before the snapshot reply: 4 and 5 are in the snapshot at 6, 7 waits for 6.
  client->op(4);
  client->op(7);
  client->op(5);
  EXPECT_FALSE(client->ready());
  client->snapshot(6);
  EXPECT_TRUE(client->ready());
  EXPECT_EQ(client->version(), 6u);
  EXPECT_EQ(deliveries(), 0u);
  client->op(6);
  EXPECT_EQ(client->version(), 8u);
  EXPECT_EQ(deliveries(), 2u);
  client->op(6);  // replayed after a submit's ack: dropped
  client->op(7);
  EXPECT_EQ(deliveries(), 2u);
  EXPECT_EQ(loop.stats.errors.get(), 0u);
}

TEST_F(BenchClientTest, AnAckThatOvertakesEarlierOpsConfirmsOnceTheyArrive) {
  auto client = make(true);
  client->snapshot(0);
  client->start_writing();
  // The first op goes out when the schedule fires (within 150 ms at 10 ops/s).
  io.run_for(std::chrono::milliseconds(200));
  ASSERT_EQ(client->sent.size(), 1u);
  EXPECT_TRUE(client->has_op_in_flight());
  const std::uint64_t seq = client->sent[0].seq;
  client->op(2, true, seq);  // the ack, ahead of two other clients' ops
  client->op(0);
  EXPECT_EQ(loop.stats.confirmed.get(), 0u);
  client->op(1);
  EXPECT_EQ(loop.stats.confirmed.get(), 1u);
  // The schedule fell due meanwhile: the next op went out at once, based on version 3.
  ASSERT_EQ(client->sent.size(), 2u);
  EXPECT_EQ(client->sent[1].base_version, 3u);
  EXPECT_EQ(client->version(), 3u);
  client->stop();
}

}  // namespace
}  // namespace tandem::bench
