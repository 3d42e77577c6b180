#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/document_store.hpp"
#include "store/pg_connection.hpp"

namespace tandem::store {

// Appends the rows of an ops query (version, client, seq, op, time_ms) to `out`.
void read_op_rows(const PgResult& rows, std::vector<StoredOp>& out);

// The queries behind PgStore's load and read_ops, on the reader's own connection. A failed
// read drops the connection; the next one connects again.
class PgOpLogReader {
 public:
  PgOpLogReader(std::string url, std::chrono::milliseconds response_timeout,
                PgConnection connection)
      : url_(std::move(url)),
        response_timeout_(response_timeout),
        connection_(std::move(connection)) {}

  // The document row and its ops in one REPEATABLE READ transaction, so they match.
  Result<LoadedDocument> load(const std::string& doc);
  Result<std::vector<StoredOp>> read_ops(const std::string& doc, std::uint64_t from,
                                         std::uint64_t to);
  // The head of each document, 0 for one without a row, in the order asked: one query.
  Result<std::vector<std::uint64_t>> heads(const std::vector<std::string>& docs);
  // One round trip (SELECT 1), connecting first if needed: is the database there? Bounded by
  // the response timeout like every read, so a frozen server turns /readyz to 503.
  Result<void> ping();

 private:
  Result<PgConnection*> connection();

  std::string url_;
  std::chrono::milliseconds response_timeout_;
  std::optional<PgConnection> connection_;
};

}  // namespace tandem::store
