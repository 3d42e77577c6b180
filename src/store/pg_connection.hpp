#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/document_store.hpp"

namespace tandem::store {

// A PostgreSQL URL with its password taken out, safe to log: postgres://tandem@db:5432/tandem.
std::string redact_url(std::string_view url);

// The parameters of one statement, sent in binary: bigint as 8 big-endian bytes, bytea raw
// (so any byte, NUL included, round-trips; text columns would refuse NUL and invalid UTF-8).
class PgParams {
 public:
  PgParams& int64(std::int64_t value);
  PgParams& uint64(std::uint64_t value) { return int64(static_cast<std::int64_t>(value)); }
  PgParams& bytes(std::string_view value);
  // A one-dimensional bytea[] (for `= ANY($n)`), in PostgreSQL's binary array format.
  PgParams& bytes_array(const std::vector<std::string>& values);

 private:
  friend class PgConnection;
  std::vector<std::string> values_;
  std::vector<unsigned int> types_;
};

// One PGresult, read in binary (every statement asks for binary results).
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, &PQclear) {}
  [[nodiscard]] int rows() const { return PQntuples(result_.get()); }
  [[nodiscard]] bool is_null(int row, int column) const {
    return PQgetisnull(result_.get(), row, column) != 0;
  }
  [[nodiscard]] std::int64_t int64(int row, int column) const;
  [[nodiscard]] std::uint64_t uint64(int row, int column) const {
    return static_cast<std::uint64_t>(int64(row, column));
  }
  [[nodiscard]] std::string bytes(int row, int column) const;
  [[nodiscard]] const PGresult* raw() const { return result_.get(); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// A statement of a pipeline and what to do with its rows (nothing when `on_rows` is empty).
struct PgStatement {
  const char* sql;
  PgParams params;
  std::function<Result<void>(const PgResult&)> on_rows;
};

// RAII PGconn used by one thread. Blocking calls; statements go out in pipeline mode so that a
// whole list costs one round trip per `kPipelineChunk` statements, and each statement text is
// prepared once per session (a new session prepares again).
class PgConnection {
 public:
  // Statements per sync: bounds what the server buffers for us (no send/receive deadlock).
  static constexpr std::size_t kPipelineChunk = 256;

  // Connects (libpq reads URLs, PGPASSWORD and ~/.pgpass). `url` is also the error's name.
  static Result<PgConnection> connect(const std::string& url);

  PgConnection(PgConnection&&) noexcept = default;
  PgConnection& operator=(PgConnection&&) noexcept = default;

  [[nodiscard]] bool healthy() const;
  // How long pipeline() waits for the server to say anything (a result, or the rest of one)
  // before it gives up with kIo, leaving the session unusable: a server process that is frozen
  // while its host still answers TCP. Zero (the default) waits forever, as libpq does.
  void set_response_timeout(std::chrono::milliseconds timeout) { response_timeout_ = timeout; }
  // Runs one statement (no parameters) outside a pipeline, e.g. BEGIN or SET.
  Result<void> exec(const char* sql, std::string_view what);
  // Runs one statement with parameters outside a pipeline and returns its rows.
  Result<PgResult> query(const char* sql, const PgParams& params, std::string_view what);
  // Sends every statement in pipeline mode and hands each one's rows to its on_rows. Stops at
  // the first failure (later statements are not run) and returns it; a database error keeps
  // its SQLSTATE in the message. The transaction state afterwards is the server's.
  Result<void> pipeline(std::vector<PgStatement>& statements, std::string_view what);
  // PQTRANS_IDLE, PQTRANS_INTRANS, PQTRANS_INERROR...
  [[nodiscard]] PGTransactionStatusType transaction_status() const;

 private:
  explicit PgConnection(PGconn* conn, std::string name)
      : conn_(conn, &PQfinish), name_(std::move(name)) {}
  Error error(std::string_view what, const PGresult* result) const;
  // Sends the statement as a prepared one, preparing it first on this session's first use;
  // `prepared_now` tells the reader to expect the PREPARE's result before the statement's.
  bool send(const PgStatement& statement, bool& prepared_now);
  // Waits until PQgetResult will not block; false if the server stayed silent for
  // response_timeout_.
  bool await_result();
  // Reads and drops the rest of a statement's results, up to its null result; false on silence.
  bool drain_results();

  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
  std::string name_;  // the redacted URL
  // Statement text -> server-side name, for every statement prepared on this session.
  std::unordered_map<std::string, std::string> prepared_;
  std::uint64_t next_prepared_ = 0;  // names are never reused, even after a failed PREPARE
  std::chrono::milliseconds response_timeout_{0};
};

}  // namespace tandem::store
