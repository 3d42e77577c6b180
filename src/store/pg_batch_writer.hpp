#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>

#include "store/document_store.hpp"
#include "store/pg_connection.hpp"
#include "store/write_request.hpp"

namespace tandem::store {

// Writes one batch of appends and snapshots in one PostgreSQL transaction: the group-commit
// step of PgStore, without threads. Each document's row is locked (FOR UPDATE, in sorted name
// order so two nodes never deadlock) before its writes are checked against what is committed,
// so writers on several nodes queue instead of failing. A batch append behind the head is
// rebased there over the ops read under the lock. A refused request (kConflict, or a batch's
// rebase error) does not disturb the others; any other failure rolls the whole batch back,
// every request gets kIo, and the connection is dropped and made again for the next batch.
class PgBatchWriter {
 public:
  PgBatchWriter(std::string url, std::chrono::milliseconds response_timeout,
                PgConnection connection)
      : url_(std::move(url)),
        response_timeout_(response_timeout),
        connection_(std::move(connection)) {}

  // Returns whether the batch committed (COMMIT returned with synchronous_commit on).
  bool commit(std::deque<WriteRequest>& batch);

 private:
  Result<void> run(std::deque<WriteRequest>& batch);
  void abort(std::deque<WriteRequest>& batch, const Error& cause);

  std::string url_;
  std::chrono::milliseconds response_timeout_;
  std::optional<PgConnection> connection_;  // empty after a failure until the next batch
};

// Connects for writing: every session of the writer commits synchronously (the durability
// contract of DocumentStore holds only with synchronous_commit on) and, unless the URL or the
// role set one, ends after 30 s idle in a transaction (a frozen node frees its locks).
// Its pipelines give up after `response_timeout` of silence (PgConnection::set_response_timeout).
Result<PgConnection> connect_pg_writer(const std::string& url,
                                       std::chrono::milliseconds response_timeout);

}  // namespace tandem::store
