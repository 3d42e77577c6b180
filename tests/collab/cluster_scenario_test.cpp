// Focused, deterministic scenarios of the document actor in cluster mode (DESIGN.md §9), driven
// step by step: which node's store call runs when, which bus message is lost or repeated.

#include "ot_test_support.hpp"
#include "sim.hpp"

#include "ot/op_json.hpp"
#include "ot/transform.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

namespace tandem::collab::test {
namespace {

using namespace std::chrono_literals;

const std::string kDoc = "notes";

std::shared_ptr<Recorder> subscribe(World& world, std::size_t node, std::string client,
                                    std::optional<std::uint64_t> from = std::nullopt) {
  auto recorder = std::make_shared<Recorder>(std::move(client));
  world.nodes[node]->collab().subscribe(kDoc, from, recorder);
  return recorder;
}

void submit(World& world, std::size_t node, const std::shared_ptr<Recorder>& author,
            std::uint64_t base, std::uint64_t seq, std::string_view op) {
  world.nodes[node]->collab().submit(kDoc, author, author->client(), base, seq, ot::test::op(op));
}

// Time limits stretch under sanitizers (as the other suites do with TANDEM_SANITIZED).
std::chrono::milliseconds scaled(std::chrono::milliseconds ms) {
  return std::getenv("TANDEM_SANITIZED") != nullptr ? ms * 4 : ms;
}

TEST(ClusterScenario, BatchesOfTwoNodesFromTheSameHeadAreRebasedInFrontOfEachOther) {
  World world(1, 2, quiet_options());
  auto a = subscribe(world, 0, "a");
  auto b = subscribe(world, 1, "b");
  world.settle();
  submit(world, 0, a, 0, 1, R"(["A"])");
  submit(world, 1, b, 0, 1, R"(["B"])");
  world.poll_all();
  // Both committed from head 0; B's transaction goes first, A's is rebased over it.
  ASSERT_TRUE(world.stores.run_next(1, "append_batch"));
  ASSERT_TRUE(world.stores.run_next(0, "append_batch"));
  world.poll_all();
  EXPECT_EQ(world.stores.batches_rebased, 1u);
  // On A, B's op comes first (applied in front of A's batch), then A's ack at its final version.
  ASSERT_EQ(a->ops().size(), 1u);
  EXPECT_EQ(a->ops()[0].version, 0u);
  EXPECT_EQ(a->ops()[0].client, "b");
  EXPECT_EQ(a->acks(1), std::vector<std::uint64_t>{1});
  world.buses.deliver_all();
  world.settle();
  EXPECT_EQ(b->acks(1), std::vector<std::uint64_t>{0});
  ASSERT_EQ(b->ops().size(), 1u);
  EXPECT_EQ(b->ops()[0].version, 1u);
  EXPECT_EQ(world.stores.replay(kDoc), "AB");
  for (const auto& [version, text] : world.read_on_every_node(kDoc)) {
    EXPECT_EQ(version, 2u);
    EXPECT_EQ(text, "AB");
  }
}

TEST(ClusterScenario, ALostBusMessageIsCaughtUpByAHeadCheck) {
  World world(2, 2, quiet_options());
  auto a = subscribe(world, 0, "a");
  auto b = subscribe(world, 1, "b");
  world.settle();
  submit(world, 0, a, 0, 1, R"(["hello"])");
  world.settle();
  ASSERT_EQ(world.buses.pending(), 1u);
  world.buses.drop_all();
  world.settle();
  EXPECT_TRUE(b->ops().empty());
  world.head_check(1);
  ASSERT_EQ(b->ops().size(), 1u);
  EXPECT_EQ(b->ops()[0].version, 0u);
  EXPECT_EQ(b->ops()[0].client, "a");
  EXPECT_GE(world.nodes[1]->collab().head_check()->behind(), 1u);
  // Node A was current: its check finds nothing.
  world.head_check(0);
  EXPECT_EQ(world.nodes[0]->collab().head_check()->behind(), 0u);
}

TEST(ClusterScenario, DuplicatedAndReorderedBusMessagesAreAppliedOnceInOrder) {
  World world(3, 2, quiet_options());
  world.buses.set_faults({0, 100});
  auto a = subscribe(world, 0, "a");
  auto b = subscribe(world, 1, "b");
  world.settle();
  for (std::uint64_t seq = 1; seq <= 4; ++seq) {
    submit(world, 0, a, seq - 1, seq, R"(["x"])");
    world.settle();
  }
  EXPECT_EQ(world.buses.pending(), 8u);
  while (world.buses.deliver_one(/*reorder=*/true)) world.settle();
  const auto ops = b->ops();
  ASSERT_EQ(ops.size(), 4u);
  for (std::uint64_t v = 0; v < 4; ++v) EXPECT_EQ(ops[v].version, v);
  for (const auto& [version, text] : world.read_on_every_node(kDoc)) {
    EXPECT_EQ(version, 4u);
    EXPECT_EQ(text, "xxxx");
  }
}

TEST(ClusterScenario, PresenceFromAnotherNodeArrivesAndExpiresWhenThatNodeStopsRepeatingIt) {
  CollabOptions options = quiet_options();
  options.presence_node_ttl = scaled(600ms);
  options.history_release_after = 200ms;  // sweeps every 50 ms
  World world(4, 2, options);
  auto a = subscribe(world, 0, "a");
  auto b = subscribe(world, 1, "b");
  world.settle();
  world.nodes[1]->collab().update_presence(kDoc, b, 0, PresenceState{{{0, 0}}, "Bea", "#00ff00"});
  auto pump = [&] {
    world.settle();
    world.buses.deliver_all();
    world.settle();
  };
  pump();
  auto seen = [&] {
    const auto presence = a->presence();
    return !presence.empty() && presence.back().client == "b" && !presence.back().gone;
  };
  ASSERT_TRUE(seen());
  EXPECT_EQ(a->presence().back().name, std::optional<std::string>("Bea"));
  // While node B repeats it (every third of the TTL), it stays.
  const auto repeat_until = std::chrono::steady_clock::now() + options.presence_node_ttl * 3 / 2;
  while (std::chrono::steady_clock::now() < repeat_until) {
    pump();
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(seen()) << "expired while node B still repeated it";
  // Node B goes silent (it died): A drops the entry after the TTL.
  world.buses.set_faults({100, 0});
  const auto silent = std::chrono::steady_clock::now();
  const auto deadline = silent + scaled(10s);
  while (seen() && std::chrono::steady_clock::now() < deadline) {
    pump();
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_FALSE(seen()) << "node B's presence never expired";
  EXPECT_TRUE(a->presence().back().gone);
  EXPECT_GE(std::chrono::steady_clock::now() - silent, options.presence_node_ttl / 3);
}

TEST(ClusterScenario, AStoreFailureDuringABatchIsRetryableAndSubscribersCatchUpAfterTheReload) {
  World world(5, 2, quiet_options());
  auto author = subscribe(world, 0, "a");
  auto observer = subscribe(world, 0, "o");
  auto other = subscribe(world, 1, "c");
  world.settle();
  submit(world, 0, author, 0, 1, R"(["hello"])");
  world.poll_all();
  ASSERT_TRUE(world.stores.run_next(0, "append_batch", /*fail=*/true));
  world.poll_all();
  const auto errors = author->errors(1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, proto::ErrorCode::kInternal);
  EXPECT_EQ(errors[0].retry_ms, std::optional<std::uint64_t>(1000));
  EXPECT_TRUE(author->acks(1).empty());
  EXPECT_TRUE(observer->ops().empty());
  EXPECT_EQ(world.stores.head(kDoc), 0u);
  // While node A reloads, node B commits: A's subscribers get it from the reload.
  submit(world, 1, other, 0, 1, R"(["x"])");
  world.poll_all();
  ASSERT_TRUE(world.stores.run_next(1, "append_batch"));
  ASSERT_TRUE(world.stores.run_next(0, "load"));
  world.poll_all();
  ASSERT_EQ(observer->ops().size(), 1u);
  EXPECT_EQ(observer->ops()[0].client, "c");
  ASSERT_EQ(author->ops().size(), 1u);
  // The author resends (same seq): applied once, after it.
  submit(world, 0, author, 0, 1, R"(["hello"])");
  world.settle();
  EXPECT_EQ(author->acks(1), std::vector<std::uint64_t>{1});
  ASSERT_EQ(observer->ops().size(), 2u);
  EXPECT_EQ(observer->ops()[1].client, "a");
  world.buses.deliver_all();
  world.settle();
  for (const auto& [version, text] : world.read_on_every_node(kDoc)) {
    EXPECT_EQ(version, 2u);
    EXPECT_EQ(text, world.stores.replay(kDoc));
  }
}

// ---- Regressions found by the property tests -----------------------------------------------

TEST(ClusterScenario, ADuplicateOfAnOpInAFailedBatchIsNotAcknowledged) {
  World world(6, 1, quiet_options());
  auto author = subscribe(world, 0, "a");
  world.settle();
  submit(world, 0, author, 0, 1, R"(["one"])");
  world.poll_all();  // batch 1 in the store
  submit(world, 0, author, 1, 2, R"(["two"])");
  submit(world, 0, author, 1, 2, R"(["two"])");  // a resend while the first waits
  world.poll_all();
  ASSERT_TRUE(world.stores.run_next(0, "append_batch"));
  world.poll_all();  // batch 2: seq 2 and its duplicate
  ASSERT_TRUE(world.stores.run_next(0, "append_batch", /*fail=*/true));
  world.settle();
  // Nothing of seq 2 was stored: both attempts are refused, neither acknowledged.
  EXPECT_TRUE(author->acks(2).empty());
  EXPECT_EQ(author->errors(2).size(), 2u);
  EXPECT_EQ(world.stores.head(kDoc), 1u);
}

TEST(ClusterScenario, ADuplicateOfARebasedOpIsAcknowledgedAtItsFinalVersion) {
  World world(7, 2, quiet_options());
  auto author = subscribe(world, 0, "a");
  auto other = subscribe(world, 1, "b");
  world.settle();
  submit(world, 0, author, 0, 1, R"(["one"])");
  world.poll_all();
  submit(world, 0, author, 1, 2, R"(["two"])");
  submit(world, 0, author, 1, 2, R"(["two"])");
  world.poll_all();
  ASSERT_TRUE(world.stores.run_next(0, "append_batch"));
  world.poll_all();  // node A's batch 2 (seq 2 at version 1, and its duplicate) waits
  submit(world, 1, other, 0, 1, R"(["x"])");
  world.poll_all();
  ASSERT_TRUE(world.stores.run_next(1, "append_batch"));  // node B takes version 1
  ASSERT_TRUE(world.stores.run_next(0, "append_batch"));  // A's batch is rebased to 2
  world.settle();
  EXPECT_EQ(author->acks(2), (std::vector<std::uint64_t>{2, 2}));
}

TEST(ClusterScenario, ASubscriberWaitingForItsSnapshotGetsItAfterAFailedBatch) {
  World world(8, 1, quiet_options());
  auto author = subscribe(world, 0, "a");
  world.settle();
  submit(world, 0, author, 0, 1, R"(["one"])");
  world.poll_all();
  auto late = subscribe(world, 0, "late");  // its snapshot waits for the batch
  world.poll_all();
  ASSERT_TRUE(world.stores.run_next(0, "append_batch", /*fail=*/true));
  world.settle();
  ASSERT_EQ(late->snapshots().size(), 1u);
  EXPECT_EQ(late->snapshots()[0].version, 0u);
  // And it is a member: it hears the op when the author resends it.
  submit(world, 0, author, 0, 1, R"(["one"])");
  world.settle();
  ASSERT_EQ(late->ops().size(), 1u);
  EXPECT_EQ(late->ops()[0].version, 0u);
}

TEST(ClusterScenario, AReadWaitingForAFailedBatchIsAnsweredAfterTheReload) {
  World world(9, 1, quiet_options());
  auto author = subscribe(world, 0, "a");
  world.settle();
  submit(world, 0, author, 0, 1, R"(["one"])");
  world.poll_all();
  std::optional<DocumentRead> read;
  world.nodes[0]->collab().read(kDoc, [&read](DocumentRead result) { read = std::move(result); });
  world.poll_all();
  EXPECT_FALSE(read);  // memory is ahead of the store until the batch ends
  ASSERT_TRUE(world.stores.run_next(0, "append_batch", /*fail=*/true));
  world.settle();
  ASSERT_TRUE(read);
  EXPECT_TRUE(read->ok);
  EXPECT_EQ(read->version, 0u);
  EXPECT_EQ(read->text, "");
}

TEST(ClusterScenario, AFailedStoreReadIsARetryNotVersionAhead) {
  World world(10, 2, quiet_options());
  auto writer = subscribe(world, 1, "w");
  auto reader = subscribe(world, 0, "r");  // node A has the document loaded
  world.settle();
  submit(world, 1, writer, 0, 1, R"(["abc"])");
  world.settle();
  world.buses.drop_all();  // node A has not heard of version 1
  // A client that saw version 1 on node B resumes on node A; A's store read fails.
  auto moved = subscribe(world, 0, "m", 1);
  world.poll_all();
  ASSERT_TRUE(world.stores.run_next(0, "read_ops", /*fail=*/true));
  world.settle();
  // Not version_ahead and a snapshot (the client would drop its state): "try again".
  EXPECT_TRUE(moved->snapshots().empty());
  ASSERT_EQ(moved->errors(std::nullopt).size(), 1u);
  EXPECT_EQ(moved->errors(std::nullopt)[0].code, proto::ErrorCode::kInternal);
  EXPECT_TRUE(moved->errors(std::nullopt)[0].retry_ms.has_value());
  // Its op, resent there with its base at version 1: the same.
  world.nodes[0]->collab().submit(kDoc, moved, "m", 1, 1, ot::test::op(R"([3, "!"])"));
  world.poll_all();
  ASSERT_TRUE(world.stores.run_next(0, "read_ops", /*fail=*/true));
  world.settle();
  ASSERT_EQ(moved->errors(1).size(), 1u);
  EXPECT_EQ(moved->errors(1)[0].code, proto::ErrorCode::kInternal);
  EXPECT_TRUE(moved->errors(1)[0].retry_ms.has_value());
  EXPECT_EQ(world.stores.head(kDoc), 1u);
  // Once the store answers, both go through.
  auto again = subscribe(world, 0, "m", 1);
  world.nodes[0]->collab().submit(kDoc, again, "m", 1, 1, ot::test::op(R"([3, "!"])"));
  world.settle();
  EXPECT_TRUE(again->errors(std::nullopt).empty());
  EXPECT_EQ(again->acks(1), std::vector<std::uint64_t>{1});
  EXPECT_EQ(world.stores.replay(kDoc), "abc!");
}

// docs/protocol.md §6: an author applies its op transformed (left) over every op the stream
// brought since its base, in log order; the log must hold exactly that op at the ack's version.
void expect_log_matches_author(World& world, std::uint64_t base, std::string_view op_json,
                               std::uint64_t version) {
  const FakeStoreHub::Document* document = world.stores.document(kDoc);
  ASSERT_NE(document, nullptr);
  ASSERT_LT(version, document->log.size());
  ot::Op op = ot::test::op(op_json);
  for (std::uint64_t v = base; v < version; ++v) {
    op = ot::transform(op, ot::decode_op(document->log[v].op_json).value(), ot::Side::kLeft);
  }
  EXPECT_EQ(document->log[version].op_json, ot::encode_op(op))
      << "the log at " << version << " is not what its author applied";
}

TEST(ClusterScenario, ABatchOfSeveralOpsRebasedOverAnotherNodesOpMatchesWhatEachAuthorApplies) {
  World world(11, 2, quiet_options());
  auto z = subscribe(world, 0, "z");
  auto a2 = subscribe(world, 0, "a2");
  auto a3 = subscribe(world, 0, "a3");
  auto b = subscribe(world, 1, "b");
  world.settle();
  submit(world, 0, z, 0, 1, R"(["abcdef"])");
  world.settle();
  world.buses.deliver_all();
  world.settle();
  submit(world, 0, z, 1, 2, R"([6, "!"])");
  world.poll_all();  // node A's batch 1 is in the store; the next two submits queue
  submit(world, 0, a2, 1, 1, R"(["e"])");
  submit(world, 0, a3, 1, 1, R"([5, "X"])");
  world.poll_all();
  ASSERT_TRUE(world.stores.run_next(0, "append_batch"));
  world.poll_all();  // batch 2: a2's op at 2, a3's at 3
  ASSERT_EQ(world.stores.pending(0, "append_batch"), 1u);
  submit(world, 1, b, 1, 1, R"([{"d": 5}])");
  world.poll_all();
  ASSERT_TRUE(world.stores.run_next(1, "append_batch"));  // b's op takes version 2
  world.settle();
  world.buses.deliver_all();
  world.settle();
  // Both authors were answered (no error: the node retried by itself), and what each applied
  // locally is what the log holds. Crossing the batch as a whole over b's op would have put
  // a3's "X" after the "e" (TP2 does not hold), while a3 puts it before.
  ASSERT_EQ(a2->acks(1).size(), 1u);
  ASSERT_EQ(a3->acks(1).size(), 1u);
  EXPECT_TRUE(a2->errors(1).empty());
  EXPECT_TRUE(a3->errors(1).empty());
  expect_log_matches_author(world, 1, R"(["e"])", a2->acks(1)[0]);
  expect_log_matches_author(world, 1, R"([5, "X"])", a3->acks(1)[0]);
  for (const auto& [version, text] : world.read_on_every_node(kDoc)) {
    EXPECT_EQ(version, 5u);
    EXPECT_EQ(text, world.stores.replay(kDoc));
  }
}

TEST(ClusterScenario, TheAckOfAResentOpFollowsACatchUpReadFromTheStore) {
  CollabOptions options = quiet_options();
  options.history_window = 2;
  World world(12, 2, options);
  auto first = subscribe(world, 0, "a");
  auto writer = subscribe(world, 1, "w");
  world.settle();
  auto commit_on_b = [&](std::uint64_t base, std::uint64_t seq) {
    submit(world, 1, writer, base, seq, R"(["w"])");
    world.settle();
    world.buses.deliver_all();
    world.settle();
  };
  commit_on_b(0, 1);
  commit_on_b(1, 2);
  submit(world, 0, first, 0, 1, R"(["a"])");  // made at 0, applied at 2
  world.settle();
  world.buses.deliver_all();
  world.settle();
  commit_on_b(3, 3);
  // Client "a" never saw that ack: it comes back from version 0, older than node A's window
  // (versions 2 and 3): a catch-up read of 0..1.
  auto back = subscribe(world, 0, "a", 0);
  world.poll_all();
  // The window moves on meanwhile (an op from node B): the catch-up will need a second read.
  submit(world, 1, writer, 4, 4, R"(["w"])");
  world.poll_all();
  ASSERT_TRUE(world.stores.run_next(1, "append_batch"));
  world.poll_all();
  world.buses.deliver_all();
  world.poll_all();
  // Then it resends its op: a read of 0..2, which finds it applied at 2.
  submit(world, 0, back, 0, 1, R"(["a"])");
  world.poll_all();
  ASSERT_TRUE(world.stores.run_next(0, "read_ops"));  // catch-up 0..1; asks for 2 next
  world.poll_all();
  ASSERT_TRUE(world.stores.run_next(0, "read_ops"));  // the resent op's: a duplicate of 2
  world.poll_all();
  world.settle();
  // docs/protocol.md §5: ops in version order without gaps or duplicates; the ack in place
  // (at the version the stream is at) or, answering a resend, lower (ignored).
  std::uint64_t next = 0;
  for (const auto& message : back->messages) {
    if (const auto* op = std::get_if<proto::OpMessage>(&message)) {
      EXPECT_EQ(op->version, next) << "op out of order";
      next = op->version + 1;
    } else if (const auto* ack = std::get_if<proto::Ack>(&message)) {
      EXPECT_LE(ack->version, next) << "ack ahead of the stream";
      if (ack->version == next) ++next;
    }
  }
  EXPECT_EQ(next, 5u);
  EXPECT_EQ(back->acks(1), std::vector<std::uint64_t>{2});
}

}  // namespace
}  // namespace tandem::collab::test
