#include "store/sqlite_connection.hpp"

#include <string>
#include <utility>

#include "store/store_error.hpp"

namespace tandem::store {

Result<Connection> Connection::open(const ConnectionSettings& settings) {
  const int access =
      settings.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  // Each connection is confined to one thread at a time, so SQLite's own mutexes are not needed.
  const int flags = access | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(settings.path.c_str(), &db, flags, nullptr);
  if (db == nullptr) {
    return make_error(ErrorCode::kIo, settings.path + ": cannot open database: out of memory");
  }
  Connection connection(db, settings.path);  // owns the handle even when the open failed
  if (rc != SQLITE_OK) return connection.error(ErrorCode::kIo, "cannot open database", rc);
  if (auto configured = connection.configure(settings); !configured) {
    return std::move(configured).error();
  }
  return connection;
}

Result<void> Connection::configure(const ConnectionSettings& settings) {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, static_cast<int>(settings.busy_timeout.count()));
  const std::string cache_size = "PRAGMA cache_size=-" + std::to_string(settings.cache_size_kib);
  if (auto r = exec(cache_size.c_str(), "set cache_size"); !r) return r;
  if (settings.read_only) {
    // Touch the schema now so an unreadable file fails at open, not at the first load.
    auto version = query_int64("PRAGMA user_version");
    if (!version) return std::move(version).error();
    return {};
  }

  auto mode = statement("PRAGMA journal_mode=WAL");
  if (!mode) return std::move(mode).error();
  const StatementReset reset(**mode);
  const int rc = (*mode)->step();
  if (rc != SQLITE_ROW) return error(ErrorCode::kIo, "enable WAL mode", rc);
  if (const std::string got = (*mode)->column_text(0); got != "wal") {
    return make_error(ErrorCode::kIo,
                      path_ + ": cannot enable WAL mode (journal_mode is '" + got + "')");
  }
  // In WAL mode only FULL fsyncs the log at every COMMIT; NORMAL may lose the last commits
  // on power loss, which would break the promise behind an ack.
  if (auto r = exec("PRAGMA synchronous=FULL", "set synchronous=FULL"); !r) return r;
  // Checkpoints copy the WAL into the database file during a COMMIT. Rarer checkpoints write
  // each hot page once for many batches instead of once per batch (docs/store.md).
  const std::string checkpoint =
      "PRAGMA wal_autocheckpoint=" + std::to_string(settings.wal_autocheckpoint_pages);
  if (auto r = exec(checkpoint.c_str(), "set wal_autocheckpoint"); !r) return r;
  // Truncate the WAL back to twice that after a checkpoint, so a burst does not leave it huge.
  const std::string size_limit =
      "PRAGMA journal_size_limit=" + std::to_string(2 * settings.wal_autocheckpoint_pages * 4096);
  return exec(size_limit.c_str(), "set journal_size_limit");
}

Connection::Connection(Connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      statements_(std::move(other.statements_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    close_handle();
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    statements_ = std::move(other.statements_);
  }
  return *this;
}

Connection::~Connection() { close_handle(); }

void Connection::close_handle() {
  statements_.clear();  // statements must be finalized before the connection closes
  if (db_ != nullptr) sqlite3_close_v2(db_);
  db_ = nullptr;
}

Result<void> Connection::exec(const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(ErrorCode::kIo, what, rc);
  return {};
}

Result<Statement*> Connection::statement(std::string_view sql) {
  if (auto found = statements_.find(sql); found != statements_.end()) return &found->second;
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    return error(ErrorCode::kIo, "prepare '" + std::string(sql) + "'", rc);
  }
  return &statements_.emplace(std::string(sql), Statement(raw)).first->second;
}

Result<void> Connection::run(const char* sql, std::string_view what) {
  auto stmt = statement(sql);
  if (!stmt) return std::move(stmt).error();
  const StatementReset reset(**stmt);
  if (const int rc = (*stmt)->step(); rc != SQLITE_DONE) return error(ErrorCode::kIo, what, rc);
  return {};
}

Result<std::int64_t> Connection::query_int64(const char* sql) {
  auto stmt = statement(sql);
  if (!stmt) return std::move(stmt).error();
  const StatementReset reset(**stmt);
  const int rc = (*stmt)->step();
  if (rc != SQLITE_ROW) return error(ErrorCode::kIo, sql, rc);
  return (*stmt)->column_int64(0);
}

Error Connection::error(ErrorCode code, std::string_view what) const {
  return error(code, what, sqlite3_extended_errcode(db_));
}

Error Connection::error(ErrorCode code, std::string_view what, int rc) const {
  std::string message = path_;
  message += ": ";
  message += what;
  message += ": ";
  // The connection's message is more specific, but only when it describes this very code.
  message += sqlite3_extended_errcode(db_) == rc ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  message += " (code " + std::to_string(rc) + ")";
  return make_error(code, std::move(message));
}

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace tandem::store
