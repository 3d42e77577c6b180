#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::store {

// Owns one prepared sqlite3_stmt. Bound text is not copied (SQLITE_STATIC): it must outlive
// the step, which holds for every caller because a StatementReset clears bindings first.
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameter indexes start at 1, as in SQL.
  void bind_int64(int index, std::int64_t value);
  // Versions and seqs are stored as SQLite's signed 64-bit integers; the cast round-trips.
  void bind_uint64(int index, std::uint64_t value) {
    bind_int64(index, static_cast<std::int64_t>(value));
  }
  void bind_text(int index, std::string_view text);
  void bind_null(int index);

  // SQLITE_ROW, SQLITE_DONE or an (extended) error code.
  int step();
  // Ends the statement's run and drops its bindings.
  void reset();

  // Column indexes start at 0.
  [[nodiscard]] bool column_is_null(int column) const;
  [[nodiscard]] std::int64_t column_int64(int column) const;
  [[nodiscard]] std::uint64_t column_uint64(int column) const {
    return static_cast<std::uint64_t>(column_int64(column));
  }
  [[nodiscard]] std::string column_text(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a cached statement when the scope ends, so an unfinished SELECT never keeps a read
// transaction (and the WAL) pinned.
class StatementReset {
 public:
  explicit StatementReset(Statement& statement) : statement_(statement) {}
  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;
  ~StatementReset() { statement_.reset(); }

 private:
  Statement& statement_;
};

}  // namespace tandem::store
