#include "store/batch_writer.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "store/sqlite_schema.hpp"
#include "store_test_support.hpp"

namespace tandem::store {
namespace {

using test::make_op;
using test::TempDir;

Connection open_migrated(const std::string& path) {
  auto connection = Connection::open(ConnectionSettings{path});
  EXPECT_TRUE(connection.ok());
  EXPECT_TRUE(migrate(*connection).ok());
  return std::move(*connection);
}

WriteRequest append_request(const std::string& doc, StoredOp op) {
  return WriteRequest{doc, std::move(op), [](const Result<void>&) {}, {}};
}

std::int64_t count_ops(Connection& connection) {
  auto count = connection.query_int64(
      "SELECT (SELECT count(*) FROM ops) + (SELECT count(*) FROM recent_ops)");
  EXPECT_TRUE(count.ok());
  return count.ok() ? *count : -1;
}

TEST(BatchWriterTest, RefusedRequestsFailAloneInTheirTransaction) {
  TempDir dir;
  BatchWriter writer(open_migrated(dir.db()));
  std::deque<WriteRequest> batch;
  batch.push_back(append_request("a", make_op("a", 0)));
  batch.push_back(append_request("a", make_op("a", 2)));  // gap
  batch.push_back(append_request("a", make_op("a", 1)));
  batch.push_back(append_request("a", make_op("a", 1)));  // duplicate version
  batch.push_back(append_request("b", make_op("b", 0)));
  batch.push_back(append_request("b", make_op("b", 0)));  // duplicate version on another doc
  batch.push_back(append_request("b", make_op("b", 1)));
  batch.push_back(WriteRequest{"b", SnapshotWrite{Snapshot{5, "ahead"}, 0}, {}, {}});
  batch.push_back(WriteRequest{"b", SnapshotWrite{Snapshot{2, "b2"}, 1}, {}, {}});

  ASSERT_TRUE(writer.commit(batch));
  const std::vector<bool> expected_ok{true, false, true, false, true, false, true, false, true};
  ASSERT_EQ(batch.size(), expected_ok.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(batch[i].result.ok(), expected_ok[i]) << "request " << i;
    if (!batch[i].result.ok()) {
      EXPECT_EQ(batch[i].result.error().code, ErrorCode::kConflict);
    }
  }

  auto check = Connection::open(ConnectionSettings{dir.db(), true});
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(count_ops(*check), 3);  // a@0, a@1, b@1 (b@0 was pruned by the snapshot)
}

TEST(BatchWriterTest, AnIoFailureRollsBackTheWholeBatch) {
  TempDir dir;
  Connection connection = open_migrated(dir.db());
  auto pages = connection.query_int64("PRAGMA page_count");
  ASSERT_TRUE(pages.ok());
  // A tiny file limit makes a large op fail with SQLITE_FULL in the middle of a batch.
  const std::string limit = "PRAGMA max_page_count = " + std::to_string(*pages + 8);
  ASSERT_TRUE(connection.exec(limit.c_str(), "limit file size").ok());
  BatchWriter writer(std::move(connection));

  std::deque<WriteRequest> first;
  first.push_back(append_request("a", make_op("a", 0)));
  ASSERT_TRUE(writer.commit(first));
  ASSERT_TRUE(first[0].result.ok());

  std::deque<WriteRequest> second;
  second.push_back(append_request("a", make_op("a", 1)));
  StoredOp huge = make_op("b", 0);
  huge.op_json.assign(1 << 20, 'x');
  second.push_back(append_request("b", huge));
  second.push_back(append_request("a", make_op("a", 5)));  // would be a conflict on its own
  EXPECT_FALSE(writer.commit(second));
  for (const WriteRequest& request : second) {
    ASSERT_FALSE(request.result.ok());
    EXPECT_EQ(request.result.error().code, ErrorCode::kIo);
    EXPECT_NE(request.result.error().message.find("not committed"), std::string::npos);
  }

  // Nothing of the failed batch stayed, and the writer's version cache was not fooled by it.
  std::deque<WriteRequest> third;
  third.push_back(append_request("a", make_op("a", 1)));
  ASSERT_TRUE(writer.commit(third));
  EXPECT_TRUE(third[0].result.ok());
  auto check = Connection::open(ConnectionSettings{dir.db(), true});
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(count_ops(*check), 2);
}

}  // namespace
}  // namespace tandem::store
