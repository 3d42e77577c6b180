#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "store/sqlite_connection.hpp"
#include "store/sqlite_schema.hpp"
#include "store/sqlite_store.hpp"
#include "store_test_support.hpp"

namespace tandem::store {
namespace {

using test::append_sync;
using test::load_sync;
using test::make_op;
using test::open_store;
using test::raw_exec;
using test::raw_query_int;
using test::TempDir;

Result<std::unique_ptr<SqliteStore>> try_open(const std::string& path) {
  SqliteStoreOptions options;
  options.path = path;
  return SqliteStore::open(options);
}

TEST(SqliteOpenTest, NewDatabaseGetsTheLatestSchemaInWalMode) {
  TempDir dir;
  auto store = open_store(dir.db());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->path(), dir.db());
  store.reset();
  EXPECT_EQ(raw_query_int(dir.db(), "PRAGMA user_version"), latest_schema_version());
  EXPECT_EQ(raw_query_int(dir.db(), "PRAGMA application_id"), kApplicationId);
  // WAL is a property of the file, so it shows on a plain connection too.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.db().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(SqliteOpenTest, WriterConnectionSyncsEveryCommit) {
  TempDir dir;
  auto connection = Connection::open(ConnectionSettings{dir.db()});
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  auto synchronous = connection->query_int64("PRAGMA synchronous");
  ASSERT_TRUE(synchronous.ok());
  EXPECT_EQ(*synchronous, 2);  // FULL: the WAL is fsynced at every COMMIT
  auto checkpoint = connection->query_int64("PRAGMA wal_autocheckpoint");
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_EQ(*checkpoint, ConnectionSettings{}.wal_autocheckpoint_pages);
  auto busy = connection->query_int64("PRAGMA busy_timeout");
  ASSERT_TRUE(busy.ok());
  EXPECT_EQ(*busy, 5000);
}

TEST(SqliteOpenTest, ReopeningDoesNotMigrateAgain) {
  TempDir dir;
  ASSERT_NE(open_store(dir.db()), nullptr);
  auto again = open_store(dir.db());
  ASSERT_NE(again, nullptr);
  ASSERT_TRUE(append_sync(*again, "doc", make_op("doc", 0)).ok());
}

// A store written by schema 1 (which had UNIQUE (doc, client, seq)) opens with its ops intact
// and without that index.
TEST(SqliteOpenTest, MigratesASchemaOneStoreKeepingEveryOp) {
  TempDir dir;
  raw_exec(dir.db(), R"sql(
    CREATE TABLE documents (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
                            oldest_retained_version INTEGER NOT NULL DEFAULT 0) STRICT;
    CREATE TABLE ops (doc INTEGER NOT NULL REFERENCES documents (id), version INTEGER NOT NULL,
                      client TEXT NOT NULL, seq INTEGER NOT NULL, op TEXT NOT NULL,
                      time_ms INTEGER NOT NULL, PRIMARY KEY (doc, version),
                      UNIQUE (doc, client, seq)) STRICT;
    CREATE TABLE snapshots (doc INTEGER PRIMARY KEY REFERENCES documents (id),
                            version INTEGER NOT NULL, text TEXT NOT NULL) STRICT;
    PRAGMA application_id = 1413566020;
    PRAGMA user_version = 1;
    INSERT INTO documents (id, name) VALUES (7, 'doc');
    INSERT INTO ops VALUES (7, 0, 'client-doc', 1, '[0,"doc@0"]', 1700000000000);
    INSERT INTO ops VALUES (7, 1, 'client-doc', 2, '[1,"doc@1"]', 1700000000001);
  )sql");
  auto store = open_store(dir.db());
  ASSERT_NE(store, nullptr);
  auto loaded = load_sync(*store, "doc");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->ops.size(), 2u);
  EXPECT_EQ(loaded->ops[0], make_op("doc", 0));
  EXPECT_EQ(loaded->ops[1], make_op("doc", 1));
  ASSERT_TRUE(append_sync(*store, "doc", make_op("doc", 2)).ok());
  store.reset();
  EXPECT_EQ(raw_query_int(dir.db(), "PRAGMA user_version"), latest_schema_version());
  EXPECT_EQ(raw_query_int(dir.db(),
                          "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
                          "AND tbl_name = 'ops'"),
            1);  // the primary key's only
}

TEST(SqliteOpenTest, RefusesANewerSchemaVersion) {
  TempDir dir;
  ASSERT_NE(open_store(dir.db()), nullptr);
  raw_exec(dir.db(), "PRAGMA user_version = 99");
  auto refused = try_open(dir.db());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(refused.error().message.find("newer"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find(dir.db()), std::string::npos);
  EXPECT_NE(refused.error().message.find("99"), std::string::npos);
  // Refusing must not have changed the file.
  EXPECT_EQ(raw_query_int(dir.db(), "PRAGMA user_version"), 99);
}

TEST(SqliteOpenTest, RefusesSomeoneElsesDatabase) {
  TempDir dir;
  raw_exec(dir.db(), "CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
  auto refused = try_open(dir.db());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(refused.error().message.find("not a Tandem database"), std::string::npos);
}

TEST(SqliteOpenTest, RefusesAFileThatIsNotADatabase) {
  TempDir dir;
  std::ofstream(dir.db()) << "this is not an SQLite file, it is long enough to have a header......"
                             "................................................................";
  auto refused = try_open(dir.db());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find(dir.db()), std::string::npos) << refused.error().message;
}

TEST(SqliteOpenTest, UnwritablePathFailsWithPathAndReason) {
  TempDir dir;
  const std::string missing_dir = (dir.path() / "no" / "such" / "dir" / "tandem.db").string();
  auto refused = try_open(missing_dir);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kIo);
  EXPECT_NE(refused.error().message.find(missing_dir), std::string::npos);
  EXPECT_NE(refused.error().message.find("unable to open"), std::string::npos)
      << refused.error().message;

  auto directory = try_open(dir.path().string());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().code, ErrorCode::kIo);

  // /proc takes no new files, even from root.
  auto proc = try_open("/proc/tandem-store-test.db");
  ASSERT_FALSE(proc.ok());
  EXPECT_EQ(proc.error().code, ErrorCode::kIo);
  EXPECT_NE(proc.error().message.find("/proc/tandem-store-test.db"), std::string::npos);

  auto empty = try_open("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kIo);
}

TEST(SqliteOpenTest, ReadOnlyFileIsRefused) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores file permissions";
  TempDir dir;
  ASSERT_NE(open_store(dir.db()), nullptr);
  ASSERT_EQ(chmod(dir.db().c_str(), 0400), 0);
  auto refused = try_open(dir.db());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find(dir.db()), std::string::npos);
}

TEST(SqliteOpenTest, LoadDetectsAGapLeftByDamage) {
  TempDir dir;
  {
    auto store = open_store(dir.db());
    ASSERT_NE(store, nullptr);
    for (std::uint64_t v = 0; v < 5; ++v)
      ASSERT_TRUE(append_sync(*store, "doc", make_op("doc", v)).ok());
  }
  // The op may still wait in recent_ops or already be folded into ops: damage both.
  for (const char* table : {"ops", "recent_ops"}) {
    raw_exec(dir.db(), std::string("DELETE FROM ") + table +
                           " WHERE doc = (SELECT id FROM documents WHERE name = 'doc') "
                           "AND version = 2");
  }
  auto store = open_store(dir.db());
  ASSERT_NE(store, nullptr);
  auto loaded = load_sync(*store, "doc");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(loaded.error().message.find("gap"), std::string::npos);
}

}  // namespace
}  // namespace tandem::store
