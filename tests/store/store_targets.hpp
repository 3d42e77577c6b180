#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>

#include "pg_test_server.hpp"
#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"
#include "store_test_support.hpp"

namespace tandem::store::test {

// The stores that the DocumentStore contract tests run against.
enum class StoreKind { kSqlite, kPostgres };

// So that ctest names read ".../Postgres" instead of a dump of the enum's bytes.
inline void PrintTo(StoreKind kind, std::ostream* out) {
  *out << (kind == StoreKind::kSqlite ? "Sqlite" : "Postgres");
}

inline std::string store_kind_name(const ::testing::TestParamInfo<StoreKind>& info) {
  return info.param == StoreKind::kSqlite ? "Sqlite" : "Postgres";
}

inline std::unique_ptr<PgStore> open_pg_store(const std::string& url,
                                              std::size_t max_batch_ops = 8192) {
  auto store = PgStore::open(PgStoreOptions{url, max_batch_ops});
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  return store.ok() ? std::move(*store) : nullptr;
}

// One test's database in one of the stores (a temp SQLite file, or a fresh database on the
// shared PostgreSQL test server); open() opens it again after a close, as a restart would.
class StoreTarget {
 public:
  explicit StoreTarget(StoreKind kind) : kind_(kind) {}

  // Creates the database. False with `skip` when PostgreSQL is not installed, else a failure.
  bool prepare(bool& skip, std::string& why) {
    skip = false;
    if (kind_ == StoreKind::kSqlite) return true;
    bool installed = false;
    PgTestServer* server = PgTestServer::instance(why, installed);
    if (server == nullptr) {
      skip = !installed;
      return false;
    }
    url_ = server->create_database(why);
    return !url_.empty();
  }

  std::unique_ptr<DocumentStore> open(std::size_t max_batch_ops = 8192) {
    if (kind_ == StoreKind::kSqlite) return open_store(dir_.db(), max_batch_ops);
    return open_pg_store(url_, max_batch_ops);
  }

  static StoreStats stats(DocumentStore& store) {
    if (auto* sqlite = dynamic_cast<SqliteStore*>(&store)) return sqlite->stats();
    return dynamic_cast<PgStore&>(store).stats();
  }

  [[nodiscard]] StoreKind kind() const { return kind_; }
  [[nodiscard]] const std::string& url() const { return url_; }

 private:
  StoreKind kind_;
  TempDir dir_;
  std::string url_;
};

}  // namespace tandem::store::test

// In SetUp or a test body: prepares `target`, skipping only when PostgreSQL is not installed.
#define TANDEM_PREPARE_STORE(target)                  \
  do {                                                \
    bool tandem_skip = false;                         \
    std::string tandem_why;                           \
    if (!(target).prepare(tandem_skip, tandem_why)) { \
      if (tandem_skip) GTEST_SKIP() << tandem_why;    \
      FAIL() << tandem_why;                           \
    }                                                 \
  } while (false)
