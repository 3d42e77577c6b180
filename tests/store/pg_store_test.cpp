// PostgreSQL-only behaviour of PgStore: several nodes on one database, the document lock,
// (client, seq) uniqueness, migrations run by many nodes at once, a killed session. The
// DocumentStore contract itself is tested for both stores (StoreContractTest and others).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <csignal>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
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

// The rebase of the tests: deterministic and checkable. Each op of the batch gets "^N" appended
// to its op_json, N the number of foreign ops it was moved over.
Result<std::vector<StoredOp>> mark_rebase(const std::vector<StoredOp>& foreign,
                                          std::vector<StoredOp> mine) {
  for (StoredOp& op : mine) op.op_json += "^" + std::to_string(foreign.size());
  return mine;
}

// A rebase that must not run (the batch is at the head, or refused before).
Result<std::vector<StoredOp>> no_rebase(const std::vector<StoredOp>& /*foreign*/,
                                        std::vector<StoredOp> mine) {
  ADD_FAILURE() << "rebase called";
  return mine;
}

std::future<Result<AppendOutcome>> append_batch_async(DocumentStore& store, const std::string& doc,
                                                      std::vector<StoredOp> ops, Rebase rebase) {
  auto promise = std::make_shared<std::promise<Result<AppendOutcome>>>();
  auto future = promise->get_future();
  store.append_batch(doc, std::move(ops), std::move(rebase),
                     [promise](Result<AppendOutcome> r) { promise->set_value(std::move(r)); });
  return future;
}

// Two nodes, two writers each, append batches to one document, each built at the head its
// writer last saw (stale whenever another writer got in first): every batch is rebased at the
// head instead of refused, the log has every op once at contiguous versions, and each batch's
// `foreign` is exactly what the log holds between its first version and where it landed.
TEST_F(PgStoreTest, TwoNodesAppendingBatchesAtStaleHeadsAreRebasedNotRefused) {
  auto node_a = open_pg_store(target_.url(), 64);
  auto node_b = open_pg_store(target_.url(), 64);
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  constexpr int kWriters = 4;
  constexpr int kBatchesPerWriter = 25;
  struct Written {
    std::uint64_t first = 0;  // the version the batch was built at
    AppendOutcome outcome;
  };
  std::mutex mutex;
  std::vector<Written> written;
  std::atomic<int> failures{0};

  std::vector<std::thread> writers;
  writers.reserve(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      DocumentStore& store = w % 2 == 0 ? *node_a : *node_b;
      const std::string client = "writer-" + std::to_string(w);
      std::uint64_t known_head = 0;
      std::uint64_t seq = 1;
      for (int b = 0; b < kBatchesPerWriter; ++b) {
        std::vector<StoredOp> batch;
        const std::size_t size = 1 + static_cast<std::size_t>(b + w) % 3;
        for (std::size_t i = 0; i < size; ++i, ++seq) {
          batch.push_back(StoredOp{known_head + i, client, seq, client + "/" + std::to_string(seq),
                                   1000 + static_cast<std::int64_t>(seq)});
        }
        auto outcome = test::append_batch_sync(store, "shared", batch, mark_rebase);
        if (!outcome.ok()) {
          ADD_FAILURE() << client << ": " << outcome.error().message;
          ++failures;
          return;
        }
        known_head = outcome->appended.back().version + 1;
        const std::lock_guard lock(mutex);
        written.push_back({batch.front().version, std::move(*outcome)});
      }
    });
  }
  for (auto& writer : writers) writer.join();
  ASSERT_EQ(failures.load(), 0);

  auto loaded = load_sync(*node_b, "shared");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const std::vector<StoredOp>& log = loaded->ops;
  std::set<std::pair<std::string, std::uint64_t>> seen;
  std::size_t total = 0;
  for (std::size_t v = 0; v < log.size(); ++v) {
    EXPECT_EQ(log[v].version, v);
    EXPECT_TRUE(seen.emplace(log[v].client, log[v].seq).second) << log[v].client << log[v].seq;
  }
  int rebased = 0;
  for (const Written& batch : written) {
    const AppendOutcome& outcome = batch.outcome;
    total += outcome.appended.size();
    const std::uint64_t landed = outcome.appended.front().version;
    ASSERT_LE(landed, log.size());
    ASSERT_EQ(landed, batch.first + outcome.foreign.size());
    const std::vector<StoredOp> expected_foreign(log.begin() + static_cast<long>(batch.first),
                                                 log.begin() + static_cast<long>(landed));
    EXPECT_EQ(outcome.foreign, expected_foreign);
    for (const StoredOp& foreign : outcome.foreign) {
      // Another writer's op, never one of this writer's own (they were acknowledged before).
      EXPECT_NE(foreign.client, outcome.appended.front().client);
    }
    const std::string mark = "^" + std::to_string(outcome.foreign.size());
    for (std::size_t i = 0; i < outcome.appended.size(); ++i) {
      const StoredOp& op = outcome.appended[i];
      EXPECT_EQ(op.version, landed + i);
      ASSERT_LT(op.version, log.size());
      EXPECT_EQ(log[op.version], op);
      const std::string plain = op.client + "/" + std::to_string(op.seq);
      EXPECT_EQ(op.op_json, outcome.foreign.empty() ? plain : plain + mark);
    }
    if (!outcome.foreign.empty()) ++rebased;
  }
  EXPECT_EQ(total, log.size());
  EXPECT_EQ(written.size(), static_cast<std::size_t>(kWriters * kBatchesPerWriter));
  EXPECT_GT(rebased, 0) << "no batch met a moved head; the test proved nothing";
  EXPECT_EQ(node_a->stats().writes_refused + node_b->stats().writes_refused, 0u);
}

// Requests that share a transaction: the batch whose rebase fails gets that error and writes
// nothing; the other requests, on the same and other documents, commit.
TEST_F(PgStoreTest, ARebaseErrorAbortsOnlyItsBatch) {
  auto store = open_pg_store(target_.url());
  auto other_node = open_pg_store(target_.url());
  ASSERT_NE(store, nullptr);
  ASSERT_NE(other_node, nullptr);
  ASSERT_TRUE(append_sync(*other_node, "doc", make_op("doc", 0)).ok());
  ASSERT_TRUE(append_sync(*other_node, "doc", make_op("doc", 1)).ok());

  // Park the writer on a locked document so that everything below queues into one batch.
  RawSession gate(target_.url());
  gate.query("BEGIN");
  gate.query("INSERT INTO documents (name) VALUES ('a-gate'::bytea)");
  std::promise<Result<void>> parked;
  store->append("a-gate", make_op("a-gate", 0),
                [&parked](Result<void> r) { parked.set_value(std::move(r)); });
  RawSession observer(target_.url());
  ASSERT_TRUE(wait_for(observer,
                       "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tandem' "
                       "AND wait_event_type = 'Lock'",
                       "1"));

  const StoredOp refused_op{0, "mallory", 1, "[\"m\"]", 5};
  auto refused = append_batch_async(
      *store, "doc", {refused_op},
      [](const std::vector<StoredOp>&, std::vector<StoredOp>) -> Result<std::vector<StoredOp>> {
        return Error{ErrorCode::kConflict, "the submit no longer applies"};
      });
  auto after =
      append_batch_async(*store, "doc", {StoredOp{0, "carol", 1, "[\"c\"]", 6}}, mark_rebase);
  auto elsewhere = append_batch_async(*store, "other", {make_op("other", 0)}, no_rebase);
  std::promise<Result<void>> plain;
  store->append("other", make_op("other", 1),
                [&plain](Result<void> r) { plain.set_value(std::move(r)); });
  gate.query("COMMIT");
  ASSERT_TRUE(parked.get_future().get().ok());

  auto failed = refused.get();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kConflict);
  EXPECT_EQ(failed.error().message, "the submit no longer applies");
  auto carol = after.get();
  ASSERT_TRUE(carol.ok()) << carol.error().message;
  EXPECT_EQ(carol->foreign.size(), 2u);
  ASSERT_EQ(carol->appended.size(), 1u);
  EXPECT_EQ(carol->appended[0].version, 2u);
  EXPECT_EQ(carol->appended[0].op_json, "[\"c\"]^2");
  auto other = elsewhere.get();
  ASSERT_TRUE(other.ok()) << other.error().message;
  EXPECT_TRUE(plain.get_future().get().ok());

  auto doc = load_sync(*store, "doc");
  ASSERT_TRUE(doc.ok());
  ASSERT_EQ(doc->ops.size(), 3u);
  for (const StoredOp& op : doc->ops) EXPECT_NE(op.client, "mallory");
  auto others = load_sync(*store, "other");
  ASSERT_TRUE(others.ok());
  EXPECT_EQ(others->ops.size(), 2u);
  const auto stats = store->stats();
  EXPECT_EQ(stats.batches_committed, 2u);  // the gate's, then one for all the rest
  EXPECT_EQ(stats.batches_failed, 0u);
  EXPECT_EQ(stats.writes_refused, 1u);
}

// A resend of a submit that is already in the log: before the batch's first version the store
// refuses it naming the stored version; among the foreign ops it is the rebase's to refuse, and
// a rebase that does not is stopped by the store before the unique index would fail the batch.
TEST_F(PgStoreTest, ABatchWithAStoredClientAndSeqIsAConflict) {
  auto node_a = open_pg_store(target_.url());
  auto node_b = open_pg_store(target_.url());
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  ASSERT_TRUE(append_sync(*node_a, "doc", StoredOp{0, "alice", 7, "[\"a\"]", 1}).ok());
  ASSERT_TRUE(append_sync(*node_a, "doc", StoredOp{1, "bob", 1, "[\"b\"]", 2}).ok());

  auto before = test::append_batch_sync(
      *node_b, "doc", {StoredOp{2, "carol", 1, "[\"c\"]", 3}, StoredOp{3, "alice", 7, "x", 4}},
      no_rebase);
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.error().code, ErrorCode::kConflict);
  EXPECT_NE(before.error().message.find("(alice, 7)"), std::string::npos) << before.error().message;
  EXPECT_NE(before.error().message.find("at version 0"), std::string::npos)
      << before.error().message;

  auto among_foreign =
      test::append_batch_sync(*node_b, "doc", {StoredOp{1, "bob", 1, "[\"b\"]", 2}}, mark_rebase);
  ASSERT_FALSE(among_foreign.ok());
  EXPECT_EQ(among_foreign.error().code, ErrorCode::kConflict);
  EXPECT_NE(among_foreign.error().message.find("at version 1"), std::string::npos)
      << among_foreign.error().message;

  auto twice = test::append_batch_sync(
      *node_b, "doc", {StoredOp{2, "dave", 1, "d", 5}, StoredOp{3, "dave", 1, "d", 6}}, no_rebase);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kConflict);

  // None of it was written, and nothing rolled back a transaction.
  auto loaded = load_sync(*node_b, "doc");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->ops.size(), 2u);
  EXPECT_EQ(node_b->stats().batches_failed, 0u);
  ASSERT_TRUE(append_sync(*node_b, "doc", StoredOp{2, "carol", 1, "[\"c\"]", 3}).ok());
}

TEST_F(PgStoreTest, ABatchWhoseForeignOpsWerePrunedIsAConflict) {
  auto store = open_pg_store(target_.url());
  ASSERT_NE(store, nullptr);
  for (std::uint64_t v = 0; v < 6; ++v)
    ASSERT_TRUE(append_sync(*store, "doc", make_op("doc", v)).ok());
  ASSERT_TRUE(test::save_snapshot_sync(*store, "doc", Snapshot{4, "text at 4"}, 4).ok());

  auto pruned = test::append_batch_sync(*store, "doc", {StoredOp{2, "late", 1, "l", 1}}, no_rebase);
  ASSERT_FALSE(pruned.ok());
  EXPECT_EQ(pruned.error().code, ErrorCode::kConflict);
  EXPECT_NE(pruned.error().message.find("pruned"), std::string::npos) << pruned.error().message;

  // From the oldest retained version on, it is rebased as usual.
  auto kept = test::append_batch_sync(*store, "doc", {StoredOp{4, "late", 1, "l", 1}}, mark_rebase);
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  EXPECT_EQ(kept->foreign, (std::vector<StoredOp>{make_op("doc", 4), make_op("doc", 5)}));
  ASSERT_EQ(kept->appended.size(), 1u);
  EXPECT_EQ(kept->appended[0].version, 6u);
}

TEST_F(PgStoreTest, HeadsAnswerEachDocumentInOrder) {
  auto store = open_pg_store(target_.url());
  ASSERT_NE(store, nullptr);
  const std::string binary_name("b\0\xff", 3);
  for (std::uint64_t v = 0; v < 3; ++v) ASSERT_TRUE(append_sync(*store, "a", make_op("a", v)).ok());
  ASSERT_TRUE(append_sync(*store, binary_name, make_op(binary_name, 0)).ok());

  auto heads = test::call_sync<std::vector<std::uint64_t>>([&](auto done) {
    store->heads({binary_name, "unknown", "a", binary_name}, std::move(done));
  });
  ASSERT_TRUE(heads.ok()) << heads.error().message;
  EXPECT_EQ(*heads, (std::vector<std::uint64_t>{1, 0, 3, 1}));
  auto none = test::call_sync<std::vector<std::uint64_t>>(
      [&](auto done) { store->heads({}, std::move(done)); });
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// While a batch is inside its transaction (here: in its rebase, on the writer thread, holding
// the document's lock), another node's batch on the document waits; killing the first session
// frees the lock at once: the first batch fails with kIo, the other proceeds.
TEST_F(PgStoreTest, KillingAWriterThatHoldsTheLockLetsTheOtherNodeProceed) {
  auto node_a = open_pg_store(target_.url());
  auto node_b = open_pg_store(target_.url());
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  ASSERT_TRUE(append_sync(*node_b, "doc", make_op("doc", 0)).ok());

  // Shared with the rebase, which runs on the writer thread; a release left unset is broken
  // when the test ends early, which wakes the rebase too.
  auto in_rebase = std::make_shared<std::promise<void>>();
  auto in_rebase_reached = in_rebase->get_future();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto held = append_batch_async(
      *node_a, "doc", {StoredOp{0, "a", 1, "a", 1}},
      [in_rebase, released](const std::vector<StoredOp>& foreign, std::vector<StoredOp> mine) {
        in_rebase->set_value();
        released.wait();
        return mark_rebase(foreign, std::move(mine));
      });
  ASSERT_EQ(in_rebase_reached.wait_for(120s), std::future_status::ready);
  auto waiting = append_batch_async(*node_b, "doc", {StoredOp{1, "b", 1, "b", 2}}, mark_rebase);
  RawSession admin(target_.url());
  ASSERT_TRUE(wait_for(admin,
                       "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tandem' "
                       "AND wait_event_type = 'Lock'",
                       "1"));
  EXPECT_EQ(waiting.wait_for(0ms), std::future_status::timeout);
  EXPECT_EQ(admin.query("SELECT pg_terminate_backend(pid, 60000) FROM pg_stat_activity "
                        "WHERE application_name = 'tandem' AND state = 'idle in transaction'"),
            "t");
  auto proceeded = waiting.get();
  ASSERT_TRUE(proceeded.ok()) << proceeded.error().message;
  EXPECT_TRUE(proceeded->foreign.empty());
  release.set_value();
  auto killed = held.get();
  ASSERT_FALSE(killed.ok());
  EXPECT_EQ(killed.error().code, ErrorCode::kIo) << killed.error().message;

  // The killed node reconnects for its next batch, which lands after the other's op.
  auto again = test::append_batch_sync(*node_a, "doc", {StoredOp{0, "a", 1, "a", 1}}, mark_rebase);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->foreign.size(), 2u);
  EXPECT_EQ(again->appended[0].version, 2u);
}

// A node frozen inside its transaction (SIGSTOP, a stalled VM) loses its session to
// idle_in_transaction_session_timeout, and with it the document's lock: here set to 1 s in the
// URL (the store's default is 30 s, and a URL's or role's own value wins).
TEST_F(PgStoreTest, AWriterFrozenInItsTransactionLosesTheLock) {
  auto node_a =
      open_pg_store(target_.url() + "?options=-c%20idle_in_transaction_session_timeout%3D1000");
  auto node_b = open_pg_store(target_.url());
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  ASSERT_TRUE(append_sync(*node_b, "doc", make_op("doc", 0)).ok());

  // Shared with the rebase, which runs on the writer thread; a thaw left unset is broken
  // when the test ends early, which wakes the rebase too.
  auto in_rebase = std::make_shared<std::promise<void>>();
  auto in_rebase_reached = in_rebase->get_future();
  std::promise<void> thaw;
  std::shared_future<void> thawed = thaw.get_future().share();
  auto frozen = append_batch_async(
      *node_a, "doc", {StoredOp{0, "a", 1, "a", 1}},
      [in_rebase, thawed](const std::vector<StoredOp>& foreign, std::vector<StoredOp> mine) {
        in_rebase->set_value();
        thawed.wait();
        return mark_rebase(foreign, std::move(mine));
      });
  ASSERT_EQ(in_rebase_reached.wait_for(120s), std::future_status::ready);
  // The other node queues on the lock, then gets it once the server ends the frozen session.
  auto proceeded =
      test::append_batch_sync(*node_b, "doc", {StoredOp{1, "b", 1, "b", 2}}, mark_rebase);
  ASSERT_TRUE(proceeded.ok()) << proceeded.error().message;
  thaw.set_value();
  auto failed = frozen.get();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kIo) << failed.error().message;
  RawSession session(target_.url());
  EXPECT_EQ(session.query("SELECT count(*) FROM ops"), "2");
}

// PostgreSQL stopped under a running store: appends (and reads) fail with kIo, promptly, while
// it is down, and succeed once it is back, without reopening the store.
TEST_F(PgStoreTest, AppendsFailWhileTheDatabaseIsDownAndResumeAfterItsRestart) {
  auto store = open_pg_store(target_.url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(append_sync(*store, "doc", make_op("doc", 0)).ok());
  std::string why;
  bool installed = false;
  test::PgTestServer* server = test::PgTestServer::instance(why, installed);
  ASSERT_NE(server, nullptr) << why;
  ASSERT_TRUE(server->pause(why)) << why;

  for (std::uint64_t attempt = 0; attempt < 2; ++attempt) {
    auto down = append_sync(*store, "doc", make_op("doc", 1));
    ASSERT_FALSE(down.ok());
    EXPECT_EQ(down.error().code, ErrorCode::kIo) << down.error().message;
    auto batch = test::append_batch_sync(*store, "doc", {make_op("doc", 1)}, mark_rebase);
    ASSERT_FALSE(batch.ok());
    EXPECT_EQ(batch.error().code, ErrorCode::kIo) << batch.error().message;
  }
  auto heads = test::call_sync<std::vector<std::uint64_t>>(
      [&](auto done) { store->heads({"doc"}, std::move(done)); });
  ASSERT_FALSE(heads.ok());
  EXPECT_EQ(heads.error().code, ErrorCode::kIo);

  ASSERT_TRUE(server->restart(why)) << why;
  auto up = append_sync(*store, "doc", make_op("doc", 1));
  ASSERT_TRUE(up.ok()) << up.error().message;
  auto batch = test::append_batch_sync(*store, "doc", {make_op("doc", 2)}, no_rebase);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  auto loaded = load_sync(*store, "doc");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->ops.size(), 3u);
}

// A server process frozen while its host still answers TCP (here the writer's backend gets
// SIGSTOP; keepalives and tcp_user_timeout cannot see it): the batch fails with kIo after the
// response timeout instead of blocking the writer, and the next batch, on a new session, commits.
TEST_F(PgStoreTest, AFrozenServerFailsTheBatchAfterTheResponseTimeout) {
  PgStoreOptions options{target_.url()};
  options.response_timeout = 3000ms;
  auto opened = PgStore::open(options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto store = std::move(*opened);
  ASSERT_TRUE(append_sync(*store, "doc", make_op("doc", 0)).ok());
  RawSession admin(target_.url());
  // The reader has run nothing yet; the writer's last statement was its COMMIT.
  const std::string pid = admin.query(
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'tandem' AND query = 'COMMIT'");
  ASSERT_FALSE(pid.empty());
  ASSERT_EQ(kill(std::stoi(pid), SIGSTOP), 0);
  struct Thaw {
    int pid;
    ~Thaw() { kill(pid, SIGCONT); }
  } thaw{std::stoi(pid)};

  auto frozen = test::append_batch_sync(*store, "doc", {make_op("doc", 1)}, no_rebase);
  ASSERT_FALSE(frozen.ok());
  EXPECT_EQ(frozen.error().code, ErrorCode::kIo);
  EXPECT_NE(frozen.error().message.find("no answer from the server in 3000 ms"), std::string::npos)
      << frozen.error().message;
  // The frozen backend took no lock (it never ran the batch): the next session goes ahead.
  auto next = test::append_batch_sync(*store, "doc", {make_op("doc", 1)}, no_rebase);
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->appended[0].version, 1u);
}

// A server that takes the TCP connection but never answers (the kernel accepts for a listener
// that never calls accept()): open() gives up with kIo after connect_timeout instead of hanging.
TEST(PgConnectTest, AServerThatNeverAnswersTimesOut) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 16), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string url =
      "postgresql://tandem@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/tandem";

  auto opening =
      std::async(std::launch::async, [&url] { return PgStore::open(PgStoreOptions{url}); });
  // Generous for a loaded machine; the store's default connect_timeout is 5 s.
  ASSERT_EQ(opening.wait_for(120s), std::future_status::ready) << "open() hangs";
  auto refused = opening.get();
  close(listener);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kIo);
  EXPECT_NE(refused.error().message.find("timeout"), std::string::npos) << refused.error().message;
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
