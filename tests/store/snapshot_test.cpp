#include <gtest/gtest.h>

#include <string>

#include "store_targets.hpp"

namespace tandem::store {
namespace {

using test::append_sync;
using test::load_sync;
using test::make_op;
using test::read_ops_sync;
using test::save_snapshot_sync;
using test::StoreKind;
using test::StoreTarget;

// Snapshots and pruning, for every store.
class StoreSnapshotTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    TANDEM_PREPARE_STORE(target_);
    store_ = target_.open();
    ASSERT_NE(store_, nullptr);
    for (std::uint64_t v = 0; v < 10; ++v)
      ASSERT_TRUE(append_sync(*store_, "doc", make_op("doc", v)).ok());
  }

  StoreTarget target_{GetParam()};
  std::unique_ptr<DocumentStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Stores, StoreSnapshotTest,
                         ::testing::Values(StoreKind::kSqlite, StoreKind::kPostgres),
                         test::store_kind_name);

TEST_P(StoreSnapshotTest, SnapshotWithoutPruningKeepsTheLog) {
  ASSERT_TRUE(save_snapshot_sync(*store_, "doc", Snapshot{6, "six"}, std::nullopt).ok());
  auto loaded = load_sync(*store_, "doc");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->snapshot.version, 6u);
  EXPECT_EQ(loaded->snapshot.text, "six");
  EXPECT_EQ(loaded->oldest_retained_version, 0u);
  ASSERT_EQ(loaded->ops.size(), 4u);  // only the ops after the snapshot
  EXPECT_EQ(loaded->ops.front(), make_op("doc", 6));
  EXPECT_EQ(loaded->ops.back(), make_op("doc", 9));
  auto all = read_ops_sync(*store_, "doc", 0, 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 10u);
}

TEST_P(StoreSnapshotTest, PruneRecordsOldestRetainedVersion) {
  ASSERT_TRUE(save_snapshot_sync(*store_, "doc", Snapshot{6, "six"}, 4).ok());
  auto loaded = load_sync(*store_, "doc");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->oldest_retained_version, 4u);
  EXPECT_EQ(loaded->ops.size(), 4u);

  // read_ops across the pruned range returns what is retained, in order.
  auto across = read_ops_sync(*store_, "doc", 0, 8);
  ASSERT_TRUE(across.ok());
  ASSERT_EQ(across->size(), 4u);
  EXPECT_EQ((*across)[0], make_op("doc", 4));
  EXPECT_EQ((*across)[3], make_op("doc", 7));
  auto pruned_only = read_ops_sync(*store_, "doc", 0, 4);
  ASSERT_TRUE(pruned_only.ok());
  EXPECT_TRUE(pruned_only->empty());
}

TEST_P(StoreSnapshotTest, NeverPrunesOpsTheSnapshotDoesNotCover) {
  ASSERT_TRUE(save_snapshot_sync(*store_, "doc", Snapshot{5, "five"}, 100).ok());
  auto loaded = load_sync(*store_, "doc");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->oldest_retained_version, 5u);
  ASSERT_EQ(loaded->ops.size(), 5u);
  EXPECT_EQ(loaded->ops.front().version, 5u);
}

TEST_P(StoreSnapshotTest, SnapshotAtHeadWithFullPruneContinuesTheLog) {
  ASSERT_TRUE(save_snapshot_sync(*store_, "doc", Snapshot{10, "ten"}, 10).ok());
  auto loaded = load_sync(*store_, "doc");
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->ops.empty());
  EXPECT_EQ(loaded->oldest_retained_version, 10u);
  EXPECT_EQ(loaded->snapshot.version, 10u);

  StoredOp stale = make_op("doc", 3);
  stale.seq = 500;
  auto old_version = append_sync(*store_, "doc", stale);
  ASSERT_FALSE(old_version.ok());
  EXPECT_EQ(old_version.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(append_sync(*store_, "doc", make_op("doc", 11)).ok());
  ASSERT_TRUE(append_sync(*store_, "doc", make_op("doc", 10)).ok());

  // The same holds after a restart, when the next version comes from the snapshot row.
  store_ = target_.open();
  ASSERT_NE(store_, nullptr);
  EXPECT_FALSE(append_sync(*store_, "doc", make_op("doc", 10)).ok());
  ASSERT_TRUE(append_sync(*store_, "doc", make_op("doc", 11)).ok());
  loaded = load_sync(*store_, "doc");
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->ops.size(), 2u);
  EXPECT_EQ(loaded->snapshot.text, "ten");
}

TEST_P(StoreSnapshotTest, EmptyDocumentStartsAtItsSnapshot) {
  ASSERT_TRUE(save_snapshot_sync(*store_, "new", Snapshot{0, "imported"}, 0).ok());
  store_ = target_.open();
  ASSERT_NE(store_, nullptr);
  EXPECT_FALSE(append_sync(*store_, "new", make_op("new", 1)).ok());
  ASSERT_TRUE(append_sync(*store_, "new", make_op("new", 0)).ok());
  auto loaded = load_sync(*store_, "new");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->snapshot.text, "imported");
  EXPECT_EQ(loaded->ops.size(), 1u);
}

TEST_P(StoreSnapshotTest, NewerSnapshotReplacesOlderAndPruningOnlyAdvances) {
  ASSERT_TRUE(save_snapshot_sync(*store_, "doc", Snapshot{4, "four"}, 3).ok());
  ASSERT_TRUE(save_snapshot_sync(*store_, "doc", Snapshot{8, "eight"}, 1).ok());
  auto loaded = load_sync(*store_, "doc");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->snapshot.version, 8u);
  EXPECT_EQ(loaded->snapshot.text, "eight");
  EXPECT_EQ(loaded->oldest_retained_version, 3u);  // pruned ops do not come back
  EXPECT_EQ(loaded->ops.size(), 2u);
  // Saving the same version again is allowed (idempotent retry).
  ASSERT_TRUE(save_snapshot_sync(*store_, "doc", Snapshot{8, "eight"}, 8).ok());
  loaded = load_sync(*store_, "doc");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->oldest_retained_version, 8u);
}

TEST_P(StoreSnapshotTest, SnapshotAheadOfTheLogIsAConflict) {
  auto ahead = save_snapshot_sync(*store_, "doc", Snapshot{11, "eleven"}, std::nullopt);
  ASSERT_FALSE(ahead.ok());
  EXPECT_EQ(ahead.error().code, ErrorCode::kConflict);
  auto unknown = save_snapshot_sync(*store_, "unknown", Snapshot{1, "x"}, std::nullopt);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kConflict);
}

TEST_P(StoreSnapshotTest, OlderSnapshotIsAConflict) {
  ASSERT_TRUE(save_snapshot_sync(*store_, "doc", Snapshot{8, "eight"}, std::nullopt).ok());
  auto older = save_snapshot_sync(*store_, "doc", Snapshot{5, "five"}, 5);
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.error().code, ErrorCode::kConflict);
  auto loaded = load_sync(*store_, "doc");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->snapshot.version, 8u);
  EXPECT_EQ(loaded->oldest_retained_version, 0u);
}

TEST_P(StoreSnapshotTest, SnapshotQueuedBehindItsAppendsSucceeds) {
  // The actor may save a snapshot right after issuing the appends it covers.
  std::promise<Result<void>> done;
  for (std::uint64_t v = 10; v < 20; ++v) store_->append("doc", make_op("doc", v), [](auto) {});
  store_->save_snapshot("doc", Snapshot{20, "twenty"}, 15,
                        [&done](Result<void> r) { done.set_value(std::move(r)); });
  auto saved = done.get_future().get();
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  auto loaded = load_sync(*store_, "doc");
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->ops.empty());
  EXPECT_EQ(loaded->oldest_retained_version, 15u);
}

}  // namespace
}  // namespace tandem::store
