// The two-level log: appends land in recent_ops and the writer folds them into ops. Whichever
// table holds an op, every read, version check and prune must see the same log.
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "store/batch_writer.hpp"
#include "store/sqlite_schema.hpp"
#include "store_test_support.hpp"

namespace tandem::store {
namespace {

using test::append_sync;
using test::load_sync;
using test::make_op;
using test::open_store;
using test::raw_query_int;
using test::read_ops_sync;
using test::save_snapshot_sync;
using test::TempDir;

std::int64_t rows(const std::string& db, const std::string& table) {
  return raw_query_int(db, "SELECT count(*) FROM " + table);
}

// Appends versions 0 .. count - 1 of `doc`, one batch each (so every one can trigger a fold).
void append_versions(DocumentStore& store, const std::string& doc, std::uint64_t count) {
  for (std::uint64_t v = 0; v < count; ++v)
    ASSERT_TRUE(append_sync(store, doc, make_op(doc, v)).ok());
}

void expect_log(DocumentStore& store, const std::string& doc, std::uint64_t count) {
  auto loaded = load_sync(store, doc);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->ops.size(), count) << doc;
  for (std::uint64_t v = 0; v < count; ++v) EXPECT_EQ(loaded->ops[v], make_op(doc, v)) << doc;
}

TEST(FoldTest, FoldedAndRecentOpsReadAsOneLog) {
  TempDir dir;
  auto store = open_store(dir.db(), 8192, /*fold_after_ops=*/10);
  ASSERT_NE(store, nullptr);
  const std::vector<std::string> docs{"a", "b", "c"};
  for (std::uint64_t v = 0; v < 25; ++v) {
    for (const std::string& doc : docs) ASSERT_TRUE(append_sync(*store, doc, make_op(doc, v)).ok());
  }
  EXPECT_GE(store->stats().folds_committed, 7u);  // one per 10 single-op batches
  EXPECT_EQ(store->stats().folds_failed, 0u);
  // 75 appends, folded every 10: 70 in ops, the last 5 still recent.
  EXPECT_EQ(rows(dir.db(), "ops"), 70);
  EXPECT_EQ(rows(dir.db(), "recent_ops"), 5);

  for (const std::string& doc : docs) expect_log(*store, doc, 25);
  // A range that starts among the folded ops and ends among the recent ones.
  auto range = read_ops_sync(*store, "c", 20, 25);
  ASSERT_TRUE(range.ok()) << range.error().message;
  ASSERT_EQ(range->size(), 5u);
  for (std::uint64_t i = 0; i < 5; ++i) EXPECT_EQ((*range)[i], make_op("c", 20 + i));
}

TEST(FoldTest, VersionChecksSpanBothTablesAcrossReopening) {
  TempDir dir;
  {
    auto store = open_store(dir.db(), 8192, /*fold_after_ops=*/4);
    ASSERT_NE(store, nullptr);
    append_versions(*store, "doc", 6);
    ASSERT_EQ(rows(dir.db(), "recent_ops"), 2);  // versions 4 and 5
    auto folded_again = append_sync(*store, "doc", make_op("doc", 2));
    ASSERT_FALSE(folded_again.ok());
    EXPECT_EQ(folded_again.error().code, ErrorCode::kConflict);
  }
  // A new writer reads the next version from the database: recent ops first, then folded ones.
  for (const std::uint64_t fold_after : {std::uint64_t{4}, std::uint64_t{1000}}) {
    auto store = open_store(dir.db(), 8192, fold_after);
    ASSERT_NE(store, nullptr);
    for (const std::uint64_t refused : {std::uint64_t{3}, std::uint64_t{5}, std::uint64_t{9}}) {
      auto result = append_sync(*store, "doc", make_op("doc", refused));
      ASSERT_FALSE(result.ok()) << "version " << refused;
      EXPECT_EQ(result.error().code, ErrorCode::kConflict);
    }
    const std::uint64_t next = fold_after == 4 ? 6 : 7;
    ASSERT_TRUE(append_sync(*store, "doc", make_op("doc", next)).ok());
    expect_log(*store, "doc", next + 1);
  }
}

TEST(FoldTest, WriterWithOnlyFoldedOpsContinuesTheirLog) {
  TempDir dir;
  {
    auto store = open_store(dir.db(), 8192, /*fold_after_ops=*/3);
    ASSERT_NE(store, nullptr);
    append_versions(*store, "doc", 3);
  }
  ASSERT_EQ(rows(dir.db(), "recent_ops"), 0);
  auto store = open_store(dir.db());
  ASSERT_NE(store, nullptr);
  auto duplicate = append_sync(*store, "doc", make_op("doc", 2));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(append_sync(*store, "doc", make_op("doc", 3)).ok());
  expect_log(*store, "doc", 4);
}

TEST(FoldTest, PruningRemovesOpsFromBothTables) {
  TempDir dir;
  auto store = open_store(dir.db(), 8192, /*fold_after_ops=*/4);
  ASSERT_NE(store, nullptr);
  append_versions(*store, "doc", 10);
  ASSERT_EQ(rows(dir.db(), "recent_ops"), 2);  // versions 8 and 9
  ASSERT_TRUE(save_snapshot_sync(*store, "doc", Snapshot{10, "ten"}, 9).ok());
  EXPECT_EQ(rows(dir.db(), "ops"), 0);
  EXPECT_EQ(rows(dir.db(), "recent_ops"), 1);
  auto kept = read_ops_sync(*store, "doc", 0, 100);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ((*kept)[0], make_op("doc", 9));
}

TEST(FoldTest, AFailedFoldMovesNothingAndIsRetried) {
  TempDir dir;
  auto connection = Connection::open(ConnectionSettings{dir.db()});
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE(migrate(*connection).ok());
  BatchWriter writer(std::move(*connection));
  std::deque<WriteRequest> batch;
  for (std::uint64_t v = 0; v < 200; ++v) {
    StoredOp op = make_op("doc", v);
    op.op_json = "[" + std::to_string(v) + ",\"" + std::string(200, 'x') + "\"]";
    batch.push_back(WriteRequest{"doc", std::move(op), [](const Result<void>&) {}, {}});
  }
  ASSERT_TRUE(writer.commit(batch));
  ASSERT_EQ(*writer.unfolded_ops(), 200u);

  // Another connection makes every insert into ops fail, as a full disk would.
  test::raw_exec(dir.db(),
                 "CREATE TRIGGER refuse_fold BEFORE INSERT ON ops "
                 "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  auto refused = writer.fold();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("refused by the test"), std::string::npos);
  EXPECT_EQ(rows(dir.db(), "ops"), 0);
  EXPECT_EQ(rows(dir.db(), "recent_ops"), 200);
  EXPECT_EQ(*writer.unfolded_ops(), 200u);

  test::raw_exec(dir.db(), "DROP TRIGGER refuse_fold");
  ASSERT_TRUE(writer.fold().ok());
  EXPECT_EQ(rows(dir.db(), "ops"), 200);
  EXPECT_EQ(rows(dir.db(), "recent_ops"), 0);
  EXPECT_EQ(*writer.unfolded_ops(), 0u);
}

TEST(FoldTest, AStoreRetriesAFailedFoldOnlyAfterAsManyAppendsAgain) {
  TempDir dir;
  auto store = open_store(dir.db(), 8192, /*fold_after_ops=*/4);
  ASSERT_NE(store, nullptr);
  test::raw_exec(dir.db(),
                 "CREATE TRIGGER refuse_fold BEFORE INSERT ON ops "
                 "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  std::uint64_t version = 0;
  const auto append_next = [&](std::uint64_t count) {
    for (std::uint64_t i = 0; i < count; ++i, ++version) {
      ASSERT_TRUE(append_sync(*store, "doc", make_op("doc", version)).ok()) << version;
    }
  };
  // The writer tries a fold after the completions of the batch that reached the threshold, so
  // the next append's completion is what shows that try.
  append_next(5);  // the fold at 4 failed
  EXPECT_EQ(store->stats().folds_failed, 1u);
  append_next(2);  // 7 unfolded: not tried again
  EXPECT_EQ(store->stats().folds_failed, 1u);
  append_next(2);  // tried again at 8, and failed again
  EXPECT_EQ(store->stats().folds_failed, 2u);
  test::raw_exec(dir.db(), "DROP TRIGGER refuse_fold");
  append_next(4);  // the next try, at 12, succeeds
  EXPECT_EQ(store->stats().folds_failed, 2u);
  EXPECT_EQ(store->stats().folds_committed, 1u);
  EXPECT_EQ(rows(dir.db(), "ops"), 12);
  EXPECT_EQ(rows(dir.db(), "recent_ops"), 1);
  expect_log(*store, "doc", 13);  // every append was confirmed and stays readable
}

}  // namespace
}  // namespace tandem::store
