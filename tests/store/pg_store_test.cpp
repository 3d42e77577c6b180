// PostgreSQL-only behaviour of PgStore: several nodes on one database, the document lock,
// (client, seq) uniqueness, migrations run by many nodes at once, a killed session. The
// DocumentStore contract itself is tested for both stores (StoreContractTest and others).
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/pg_connection.hpp"
#include "store/pg_schema.hpp"
#include "store_targets.hpp"

namespace tandem::store {
namespace {

using namespace std::chrono_literals;
using test::append_sync;
using test::load_sync;
using test::make_op;
using test::open_pg_store;
using test::StoreKind;
using test::StoreTarget;

// A plain libpq session for the test's own SQL, bypassing the store.
class RawSession {
 public:
  explicit RawSession(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    EXPECT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
  }
  RawSession(const RawSession&) = delete;
  RawSession& operator=(const RawSession&) = delete;
  ~RawSession() { PQfinish(conn_); }

  // Runs `sql` and returns the first column of its first row ("" when there is none).
  std::string query(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        << sql << ": " << PQresultErrorMessage(result);
    std::string value;
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) value = PQgetvalue(result, 0, 0);
    PQclear(result);
    return value;
  }

 private:
  PGconn* conn_;
};

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { TANDEM_PREPARE_STORE(target_); }

  // Polls `sql` until it returns `expected`, for up to a minute (a loaded machine is slow).
  bool wait_for(RawSession& session, const std::string& sql, const std::string& expected) {
    for (int i = 0; i < 600; ++i) {
      if (session.query(sql) == expected) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  StoreTarget target_{StoreKind::kPostgres};
};

TEST_F(PgStoreTest, TwoNodesOnOneDocumentNeverLeaveAGapOrADuplicate) {
  auto node_a = open_pg_store(target_.url(), 64);
  auto node_b = open_pg_store(target_.url(), 64);
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  constexpr int kWriters = 4;  // two per node
  constexpr int kOpsPerWriter = 40;
  std::atomic<int> other_errors{0};
  std::mutex mutex;
  std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> acked;  // (client, seq) -> v

  std::vector<std::thread> writers;
  writers.reserve(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      DocumentStore& store = w % 2 == 0 ? *node_a : *node_b;
      const std::string client = "writer-" + std::to_string(w);
      std::uint64_t version = 0;
      for (std::uint64_t seq = 1; seq <= kOpsPerWriter;) {
        StoredOp op{version, client, seq, "[\"" + client + "\"]", 1};
        auto appended = append_sync(store, "shared", op);
        if (appended.ok()) {
          const std::lock_guard lock(mutex);
          acked[{client, seq}] = version;
          ++seq;
          ++version;
        } else if (appended.error().code == ErrorCode::kConflict) {
          // Someone else took this version: learn the head and try again there.
          auto loaded = load_sync(store, "shared");
          if (!loaded.ok()) {
            ++other_errors;
            return;
          }
          version = loaded->snapshot.version + loaded->ops.size();
        } else {
          ADD_FAILURE() << appended.error().message;
          ++other_errors;
          return;
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(other_errors.load(), 0);

  auto loaded = load_sync(*node_a, "shared");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->ops.size(), static_cast<std::size_t>(kWriters * kOpsPerWriter));
  std::set<std::pair<std::string, std::uint64_t>> seen;
  for (std::size_t v = 0; v < loaded->ops.size(); ++v) {
    const StoredOp& op = loaded->ops[v];
    EXPECT_EQ(op.version, v);
    EXPECT_TRUE(seen.emplace(op.client, op.seq).second) << "duplicate " << op.client << op.seq;
    EXPECT_EQ(acked.at({op.client, op.seq}), v);
  }
}

// Another node holds the document's lock and appends version 1 meanwhile: this node's append at
// version 1 waits for the lock, then sees the other node's op and is refused as a conflict (not
// an I/O error from the primary key), and version 2 follows.
TEST_F(PgStoreTest, AnAppendQueuesBehindAnotherNodesLockOnItsDocument) {
  auto store = open_pg_store(target_.url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(append_sync(*store, "doc", make_op("doc", 0)).ok());

  RawSession other_node(target_.url());
  other_node.query("BEGIN");
  other_node.query("SELECT id FROM documents WHERE name = 'doc'::bytea FOR UPDATE");
  other_node.query(
      "INSERT INTO ops (doc, version, client, seq, op, time_ms) SELECT id, 1, 'other'::bytea, 1, "
      "'[\"o\"]'::bytea, 1 FROM documents WHERE name = 'doc'::bytea");
  std::promise<Result<void>> done;
  store->append("doc", make_op("doc", 1),
                [&done](Result<void> r) { done.set_value(std::move(r)); });
  auto future = done.get_future();
  RawSession observer(target_.url());
  EXPECT_TRUE(wait_for(observer,
                       "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tandem' "
                       "AND wait_event_type = 'Lock'",
                       "1"));
  EXPECT_EQ(future.wait_for(0ms), std::future_status::timeout);
  other_node.query("UPDATE documents SET head = 2 WHERE name = 'doc'::bytea");
  other_node.query("COMMIT");
  auto refused = future.get();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict) << refused.error().message;
  EXPECT_NE(refused.error().message.find("already in the log (next is 2)"), std::string::npos)
      << refused.error().message;
  ASSERT_TRUE(append_sync(*store, "doc", make_op("doc", 2)).ok());
  auto loaded = load_sync(*store, "doc");
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->ops.size(), 3u);
  EXPECT_EQ(loaded->ops[1].client, "other");
}

// A node killed while it holds a document's lock does not block the others: the lock dies with
// its backend.
TEST_F(PgStoreTest, TheLockOfAKilledNodeDiesWithIt) {
  auto store = open_pg_store(target_.url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(append_sync(*store, "doc", make_op("doc", 0)).ok());

  RawSession dying_node(target_.url());
  const std::string pid = dying_node.query("SELECT pg_backend_pid()");
  dying_node.query("BEGIN");
  dying_node.query("SELECT id FROM documents WHERE name = 'doc'::bytea FOR UPDATE");
  std::promise<Result<void>> done;
  store->append("doc", make_op("doc", 1),
                [&done](Result<void> r) { done.set_value(std::move(r)); });
  auto future = done.get_future();
  RawSession admin(target_.url());
  EXPECT_TRUE(wait_for(admin,
                       "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tandem' "
                       "AND wait_event_type = 'Lock'",
                       "1"));
  EXPECT_EQ(future.wait_for(0ms), std::future_status::timeout);
  EXPECT_EQ(admin.query("SELECT pg_terminate_backend(" + pid + ", 60000)"), "t");
  auto appended = future.get();
  EXPECT_TRUE(appended.ok()) << appended.error().message;
  auto loaded = load_sync(*store, "doc");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->ops.size(), 2u);
}

TEST_F(PgStoreTest, AStoredClientAndSeqIsAConflictOnAnyNode) {
  auto node_a = open_pg_store(target_.url());
  auto node_b = open_pg_store(target_.url());
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  const StoredOp first{0, "alice", 7, "[\"a\"]", 1};
  ASSERT_TRUE(append_sync(*node_a, "doc", first).ok());

  // A resend of the same submit, transformed to the next version, on another node.
  auto resent = append_sync(*node_b, "doc", StoredOp{1, "alice", 7, "[1,\"a\"]", 2});
  ASSERT_FALSE(resent.ok());
  EXPECT_EQ(resent.error().code, ErrorCode::kConflict);
  EXPECT_NE(resent.error().message.find("at version 0"), std::string::npos)
      << resent.error().message;

  // Inside one batch: the repeat fails alone, the writes around it commit.
  std::vector<std::promise<Result<void>>> results(3);
  const StoredOp batch[] = {
      {1, "bob", 1, "[\"b\"]", 3}, {2, "bob", 1, "[\"b\"]", 4}, {2, "bob", 2, "[\"c\"]", 5}};
  for (std::size_t i = 0; i < 3; ++i) {
    node_a->append("doc", batch[i],
                   [&results, i](Result<void> r) { results[i].set_value(std::move(r)); });
  }
  EXPECT_TRUE(results[0].get_future().get().ok());
  auto repeat = results[1].get_future().get();
  ASSERT_FALSE(repeat.ok());
  EXPECT_EQ(repeat.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(results[2].get_future().get().ok());

  auto loaded = load_sync(*node_b, "doc");
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->ops.size(), 3u);
  EXPECT_EQ(loaded->ops[0], first);
  EXPECT_EQ(loaded->ops[2], batch[2]);
}

TEST_F(PgStoreTest, NodesStartingAtOnceMigrateExactlyOnce) {
  constexpr int kNodes = 6;
  std::vector<std::thread> nodes;
  nodes.reserve(kNodes);
  std::atomic<int> opened{0};
  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  for (int i = 0; i < kNodes; ++i) {
    nodes.emplace_back([&] {
      start.wait();
      auto store = PgStore::open(PgStoreOptions{target_.url()});
      if (store.ok()) {
        ++opened;
      } else {
        ADD_FAILURE() << store.error().message;
      }
    });
  }
  go.set_value();
  for (auto& node : nodes) node.join();
  EXPECT_EQ(opened.load(), kNodes);
  RawSession session(target_.url());
  EXPECT_EQ(session.query("SELECT count(*) FROM schema_version"),
            std::to_string(latest_pg_schema_version()));
  EXPECT_EQ(session.query("SELECT max(version) FROM schema_version"),
            std::to_string(latest_pg_schema_version()));
}

TEST_F(PgStoreTest, ANewerSchemaIsRefused) {
  { ASSERT_NE(open_pg_store(target_.url()), nullptr); }
  RawSession session(target_.url());
  session.query("INSERT INTO schema_version (version) VALUES (999)");
  auto refused = PgStore::open(PgStoreOptions{target_.url()});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(refused.error().message.find("newer than this binary"), std::string::npos);
}

TEST_F(PgStoreTest, AKilledSessionFailsItsBatchWithIoAndTheNextBatchReconnects) {
  auto store = open_pg_store(target_.url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(append_sync(*store, "doc", make_op("doc", 0)).ok());

  // Hold the document's lock so the writer's batch stops inside its transaction, then kill the
  // writer's session there.
  RawSession other_node(target_.url());
  other_node.query("BEGIN");
  other_node.query("SELECT id FROM documents WHERE name = 'doc'::bytea FOR UPDATE");
  std::promise<Result<void>> done;
  store->append("doc", make_op("doc", 1),
                [&done](Result<void> r) { done.set_value(std::move(r)); });
  RawSession admin(target_.url());
  const std::string waiting =
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'tandem' "
      "AND wait_event_type = 'Lock'";
  for (int i = 0; i < 600 && admin.query(waiting).empty(); ++i) std::this_thread::sleep_for(100ms);
  const std::string pid = admin.query(waiting);
  ASSERT_FALSE(pid.empty());
  EXPECT_EQ(admin.query("SELECT pg_terminate_backend(" + pid + ", 60000)"), "t");
  auto failed = done.get_future().get();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kIo);
  EXPECT_NE(failed.error().message.find("not committed"), std::string::npos);
  other_node.query("COMMIT");

  // The same op again: the next batch connects anew and commits it, once.
  auto retried = append_sync(*store, "doc", make_op("doc", 1));
  EXPECT_TRUE(retried.ok()) << retried.error().message;
  auto loaded = load_sync(*store, "doc");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->ops.size(), 2u);
  EXPECT_EQ(loaded->ops[1], make_op("doc", 1));
  const auto stats = store->stats();
  EXPECT_EQ(stats.batches_failed, 1u);
}

TEST_F(PgStoreTest, AKilledReaderSessionReconnects) {
  auto store = open_pg_store(target_.url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(append_sync(*store, "doc", make_op("doc", 0)).ok());
  ASSERT_TRUE(load_sync(*store, "doc").ok());
  RawSession admin(target_.url());
  admin.query(
      "SELECT pg_terminate_backend(pid, 60000) FROM pg_stat_activity "
      "WHERE application_name = 'tandem'");
  // The first read meets the dead session (kIo, nothing retried behind the caller's back); the
  // next one connects again.
  auto first = load_sync(*store, "doc");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kIo);
  auto second = load_sync(*store, "doc");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->ops.size(), 1u);
}

TEST_F(PgStoreTest, AnUnreachableServerIsAnIoErrorWithoutThePassword) {
  auto refused = PgStore::open(
      PgStoreOptions{"postgresql://tandem:s3cret@127.0.0.1:1/tandem?connect_timeout=5"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kIo);
  EXPECT_EQ(refused.error().message.find("s3cret"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("postgresql://tandem@127.0.0.1:1/tandem"),
            std::string::npos)
      << refused.error().message;
}

TEST(PgUrlTest, RedactsPasswords) {
  EXPECT_EQ(redact_url("postgres://u:p@h:5432/db"), "postgres://u@h:5432/db");
  EXPECT_EQ(redact_url("postgresql://u@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(redact_url("postgresql://h/db?user=u&password=p&sslmode=require"),
            "postgresql://h/db?user=u&password=***&sslmode=require");
  EXPECT_EQ(redact_url("postgres://u:p%40ss@h/db"), "postgres://u@h/db");
}

}  // namespace
}  // namespace tandem::store
