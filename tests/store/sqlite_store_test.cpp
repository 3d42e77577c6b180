#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store_targets.hpp"

namespace tandem::store {
namespace {

using test::append_sync;
using test::load_sync;
using test::make_op;
using test::read_ops_sync;
using test::StoreKind;
using test::StoreTarget;

// The DocumentStore contract, for every store (docs/store.md).
class StoreContractTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    TANDEM_PREPARE_STORE(target_);
    store_ = target_.open();
    ASSERT_NE(store_, nullptr);
  }

  void append_range(const std::string& doc, std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t v = from; v < to; ++v) {
      auto appended = append_sync(*store_, doc, make_op(doc, v));
      ASSERT_TRUE(appended.ok()) << appended.error().message;
    }
  }

  StoreTarget target_{GetParam()};
  std::unique_ptr<DocumentStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Stores, StoreContractTest,
                         ::testing::Values(StoreKind::kSqlite, StoreKind::kPostgres),
                         test::store_kind_name);

TEST_P(StoreContractTest, UnknownDocumentLoadsEmpty) {
  auto loaded = load_sync(*store_, "never-written");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->snapshot.version, 0u);
  EXPECT_EQ(loaded->snapshot.text, "");
  EXPECT_TRUE(loaded->ops.empty());
  EXPECT_EQ(loaded->oldest_retained_version, 0u);
}

TEST_P(StoreContractTest, AppendedOpsLoadInOrder) {
  append_range("a", 0, 5);
  append_range("b", 0, 2);
  auto loaded = load_sync(*store_, "a");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->ops.size(), 5u);
  for (std::uint64_t v = 0; v < 5; ++v) EXPECT_EQ(loaded->ops[v], make_op("a", v));
  auto other = load_sync(*store_, "b");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->ops.size(), 2u);
}

TEST_P(StoreContractTest, StoresTextExactly) {
  StoredOp op = make_op("doc", 0);
  op.op_json = std::string("[\"nul\\u0000 \xF0\x9F\x98\x80 \"]") + std::string(1, '\0') + "tail";
  op.client = "client with spaces \xE4\xB8\xAD";
  ASSERT_TRUE(append_sync(*store_, "doc \xE2\x9C\x93", op).ok());
  auto loaded = load_sync(*store_, "doc \xE2\x9C\x93");
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->ops.size(), 1u);
  EXPECT_EQ(loaded->ops[0], op);
}

TEST_P(StoreContractTest, ZeroTimeIsStampedWithTheClock) {
  StoredOp op = make_op("doc", 0);
  op.time_ms = 0;
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  ASSERT_TRUE(append_sync(*store_, "doc", op).ok());
  auto loaded = load_sync(*store_, "doc");
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->ops.size(), 1u);
  EXPECT_GE(loaded->ops[0].time_ms, before);
}

TEST_P(StoreContractTest, ReadOpsReturnsTheRequestedRange) {
  append_range("doc", 0, 10);
  auto middle = read_ops_sync(*store_, "doc", 3, 6);
  ASSERT_TRUE(middle.ok()) << middle.error().message;
  ASSERT_EQ(middle->size(), 3u);
  EXPECT_EQ((*middle)[0], make_op("doc", 3));
  EXPECT_EQ((*middle)[2], make_op("doc", 5));

  auto past_end = read_ops_sync(*store_, "doc", 8, 100);
  ASSERT_TRUE(past_end.ok());
  EXPECT_EQ(past_end->size(), 2u);

  auto unbounded = read_ops_sync(*store_, "doc", 0, std::numeric_limits<std::uint64_t>::max());
  ASSERT_TRUE(unbounded.ok());
  EXPECT_EQ(unbounded->size(), 10u);

  auto empty = read_ops_sync(*store_, "doc", 6, 6);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto reversed = read_ops_sync(*store_, "doc", 7, 2);
  ASSERT_TRUE(reversed.ok());
  EXPECT_TRUE(reversed->empty());
  auto missing = read_ops_sync(*store_, "other", 0, 10);
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
}

TEST_P(StoreContractTest, DuplicateVersionIsAConflict) {
  append_range("doc", 0, 3);
  StoredOp again = make_op("doc", 1);
  again.seq = 1000;  // a new (client, seq), so only the version collides
  auto refused = append_sync(*store_, "doc", again);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_NE(refused.error().message.find("already in the log"), std::string::npos);
  auto loaded = load_sync(*store_, "doc");
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->ops.size(), 3u);
  EXPECT_EQ(loaded->ops[1], make_op("doc", 1));
}

TEST_P(StoreContractTest, GapIsAConflict) {
  auto first = append_sync(*store_, "doc", make_op("doc", 1));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kConflict);
  EXPECT_NE(first.error().message.find("gap"), std::string::npos);

  append_range("doc", 0, 2);
  auto skipped = append_sync(*store_, "doc", make_op("doc", 3));
  ASSERT_FALSE(skipped.ok());
  EXPECT_EQ(skipped.error().code, ErrorCode::kConflict);
  append_range("doc", 2, 4);  // the log is unchanged: version 2 is still next
}

// Exactly-once is the document's job (it checks the ops since a submit's base, see
// docs/store.md); the log keeps (client, seq) so it can, and reads it back unchanged.
TEST_P(StoreContractTest, ClientAndSeqAreReadBackForTheDocumentsDedupe) {
  append_range("doc", 0, 3);
  auto ops = read_ops_sync(*store_, "doc", 1, 3);
  ASSERT_TRUE(ops.ok());
  ASSERT_EQ(ops->size(), 2u);
  EXPECT_EQ((*ops)[0].client, make_op("doc", 1).client);
  EXPECT_EQ((*ops)[0].seq, make_op("doc", 1).seq);
  EXPECT_EQ((*ops)[1].seq, make_op("doc", 2).seq);
}

TEST_P(StoreContractTest, RefusedAppendsLeaveTheirBatchAlone) {
  // Issued without waiting, so most of them share a transaction.
  std::vector<std::pair<std::string, StoredOp>> writes;
  for (std::uint64_t v = 0; v < 50; ++v) writes.emplace_back("good", make_op("good", v));
  writes.emplace_back("good", make_op("good", 10));  // duplicate version
  writes.emplace_back("gap", make_op("gap", 4));     // gap on an empty document
  writes.emplace_back("good", make_op("good", 49));  // an old version again
  for (std::uint64_t v = 50; v < 60; ++v) writes.emplace_back("good", make_op("good", v));

  std::vector<std::promise<Result<void>>> promises(writes.size());
  for (std::size_t i = 0; i < writes.size(); ++i) {
    store_->append(writes[i].first, writes[i].second,
                   [&promises, i](Result<void> r) { promises[i].set_value(std::move(r)); });
  }
  for (std::size_t i = 0; i < writes.size(); ++i) {
    auto result = promises[i].get_future().get();
    const bool should_fail = i >= 50 && i < 53;
    EXPECT_EQ(result.ok(), !should_fail) << "write " << i;
    if (!result.ok()) {
      EXPECT_EQ(result.error().code, ErrorCode::kConflict);
    }
  }
  auto loaded = load_sync(*store_, "good");
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->ops.size(), 60u);
  for (std::uint64_t v = 0; v < 60; ++v) EXPECT_EQ(loaded->ops[v], make_op("good", v));
}

TEST_P(StoreContractTest, CompletionsRunOnAStoreThreadInIssueOrder) {
  const auto caller = std::this_thread::get_id();
  std::vector<int> order;
  std::mutex mutex;
  std::promise<void> last;
  for (int i = 0; i < 200; ++i) {
    store_->append("doc", make_op("doc", static_cast<std::uint64_t>(i)),
                   [&, i, caller](const Result<void>& r) {
                     EXPECT_TRUE(r.ok());
                     EXPECT_NE(std::this_thread::get_id(), caller);
                     const std::lock_guard lock(mutex);
                     order.push_back(i);
                     if (i == 199) last.set_value();
                   });
  }
  last.get_future().wait();
  const std::lock_guard lock(mutex);
  ASSERT_EQ(order.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

TEST_P(StoreContractTest, CloseDrainsQueuedWork) {
  std::atomic<int> succeeded{0};
  for (std::uint64_t v = 0; v < 2000; ++v) {
    store_->append("doc", make_op("doc", v), [&](const Result<void>& r) {
      if (r.ok()) ++succeeded;
    });
  }
  std::atomic<bool> loaded{false};
  store_->load("doc", [&](const Result<LoadedDocument>& r) { loaded = r.ok(); });
  store_->close();
  EXPECT_EQ(succeeded.load(), 2000);
  EXPECT_TRUE(loaded.load());

  store_ = target_.open();
  ASSERT_NE(store_, nullptr);
  auto reloaded = load_sync(*store_, "doc");
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->ops.size(), 2000u);
}

TEST_P(StoreContractTest, ClosedStoreRefusesAtOnce) {
  store_->close();
  store_->close();  // idempotent
  int refused = 0;
  auto expect_closed = [&refused](const auto& result) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::kClosed);
    ++refused;
  };
  // Each completion runs before the call returns, on this thread.
  store_->append("doc", make_op("doc", 0), expect_closed);
  store_->save_snapshot("doc", Snapshot{0, ""}, std::nullopt, expect_closed);
  store_->load("doc", expect_closed);
  store_->read_ops("doc", 0, 10, expect_closed);
  EXPECT_EQ(refused, 4);
}

TEST_P(StoreContractTest, ReopenKeepsEverything) {
  append_range("a", 0, 7);
  append_range("b", 0, 3);
  ASSERT_TRUE(test::save_snapshot_sync(*store_, "a", Snapshot{4, "text at 4"}, 2).ok());
  store_.reset();  // the destructor closes

  store_ = target_.open();
  ASSERT_NE(store_, nullptr);
  auto a = load_sync(*store_, "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->snapshot.version, 4u);
  EXPECT_EQ(a->snapshot.text, "text at 4");
  EXPECT_EQ(a->oldest_retained_version, 2u);
  ASSERT_EQ(a->ops.size(), 3u);
  EXPECT_EQ(a->ops[0], make_op("a", 4));
  // Appends continue where the log ended before the restart.
  append_range("a", 7, 9);
  append_range("b", 3, 4);
  auto gap = append_sync(*store_, "b", make_op("b", 9));
  EXPECT_FALSE(gap.ok());
  const auto stats = StoreTarget::stats(*store_);
  EXPECT_GE(stats.writes_committed, 3u);
  EXPECT_EQ(stats.writes_refused, 1u);
  EXPECT_EQ(stats.batches_failed, 0u);
}

// A batch at the head is appended as given; no other writer appended, so nothing is foreign.
TEST_P(StoreContractTest, BatchAtTheHeadIsAppendedAsGiven) {
  append_range("doc", 0, 2);
  const std::vector<StoredOp> batch = {make_op("doc", 2), make_op("doc", 3), make_op("doc", 4)};
  bool rebased = false;
  auto outcome = test::append_batch_sync(
      *store_, "doc", batch,
      [&rebased](const std::vector<StoredOp>&,
                 std::vector<StoredOp> mine) -> Result<std::vector<StoredOp>> {
        rebased = true;
        return mine;
      });
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_FALSE(rebased);
  EXPECT_TRUE(outcome->foreign.empty());
  EXPECT_EQ(outcome->appended, batch);
  auto loaded = load_sync(*store_, "doc");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->ops.size(), 5u);
  EXPECT_EQ(loaded->ops[2], batch[0]);
  EXPECT_EQ(loaded->ops[4], batch[2]);
  EXPECT_GE(StoreTarget::stats(*store_).writes_committed, 5u);
}

TEST_P(StoreContractTest, EmptyBatchSucceedsAndWritesNothing) {
  auto outcome = test::append_batch_sync(*store_, "doc", {}, nullptr);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_TRUE(outcome->foreign.empty());
  EXPECT_TRUE(outcome->appended.empty());
  append_range("doc", 0, 1);  // the log still starts at 0
}

TEST_P(StoreContractTest, BatchPastTheHeadIsAConflictAndWritesNothing) {
  append_range("doc", 0, 3);
  auto outcome =
      test::append_batch_sync(*store_, "doc", {make_op("doc", 5), make_op("doc", 6)}, nullptr);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, ErrorCode::kConflict) << outcome.error().message;
  EXPECT_NE(outcome.error().message.find("gap"), std::string::npos) << outcome.error().message;
  append_range("doc", 3, 4);  // the log is unchanged: version 3 is still next
}

// A batch behind the head: a store this process alone writes refuses it like an append at a
// stale version; a shared one rebases it over the ops since its first version (more in
// pg_store_test.cpp).
TEST_P(StoreContractTest, BatchBehindTheHeadIsRefusedUnlessTheStoreIsShared) {
  EXPECT_EQ(store_->shared(), GetParam() == StoreKind::kPostgres);
  append_range("doc", 0, 3);
  StoredOp stale = make_op("doc", 1);
  stale.seq = 1000;  // a new (client, seq), so only the version collides
  std::vector<StoredOp> seen_foreign;
  auto outcome = test::append_batch_sync(
      *store_, "doc", {stale},
      [&seen_foreign](const std::vector<StoredOp>& foreign,
                      std::vector<StoredOp> mine) -> Result<std::vector<StoredOp>> {
        seen_foreign = foreign;
        return mine;
      });
  auto loaded = load_sync(*store_, "doc");
  ASSERT_TRUE(loaded.ok());
  if (!store_->shared()) {
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::kConflict) << outcome.error().message;
    ASSERT_EQ(loaded->ops.size(), 3u);
    EXPECT_EQ(loaded->ops[1], make_op("doc", 1));
    return;
  }
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  const std::vector<StoredOp> foreign = {make_op("doc", 1), make_op("doc", 2)};
  EXPECT_EQ(seen_foreign, foreign);
  EXPECT_EQ(outcome->foreign, foreign);
  StoredOp rebased = stale;
  rebased.version = 3;
  ASSERT_EQ(outcome->appended, std::vector<StoredOp>{rebased});
  ASSERT_EQ(loaded->ops.size(), 4u);
  EXPECT_EQ(loaded->ops[3], rebased);
}

}  // namespace
}  // namespace tandem::store
