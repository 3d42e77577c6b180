#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/document_store.hpp"
#include "store/sqlite_statement.hpp"

namespace tandem::store {

struct ConnectionSettings {
  std::string path;
  bool read_only = false;
  std::chrono::milliseconds busy_timeout{5000};
  std::int64_t cache_size_kib = 16384;
  std::int64_t wal_autocheckpoint_pages = 4096;  // read-write connections only
};

// Owns one sqlite3 connection, used by one thread at a time (SQLITE_OPEN_NOMUTEX), and the
// statements prepared on it. A read-write connection is always put in WAL mode with
// synchronous=FULL: in WAL mode only FULL fsyncs the log on every COMMIT, which is what makes
// a confirmed append survive power loss (see docs/store.md).
class Connection {
 public:
  static Result<Connection> open(const ConnectionSettings& settings);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs SQL that returns no rows (may hold several statements); `what` names it in errors.
  Result<void> exec(const char* sql, std::string_view what);
  // The statement for `sql`, prepared on first use and kept for the connection's life.
  // Callers reset it when done (StatementReset).
  Result<Statement*> statement(std::string_view sql);
  // Runs one cached statement that returns no rows, e.g. BEGIN or COMMIT.
  Result<void> run(const char* sql, std::string_view what);
  // Runs a query that returns one integer (e.g. a PRAGMA), or an error.
  Result<std::int64_t> query_int64(const char* sql);

  // An error carrying the connection's last SQLite message, e.g.
  // "/data/tandem.db: append: disk I/O error (code 10)".
  [[nodiscard]] Error error(ErrorCode code, std::string_view what) const;
  [[nodiscard]] Error error(ErrorCode code, std::string_view what, int rc) const;

  // The rowid the last successful INSERT on this connection assigned.
  [[nodiscard]] std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  // Whether a transaction is open (SQLite rolls back by itself after some errors).
  [[nodiscard]] bool in_transaction() const;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  void close_handle();
  Result<void> configure(const ConnectionSettings& settings);

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, Statement, Hash, std::equal_to<>> statements_;
};

}  // namespace tandem::store
