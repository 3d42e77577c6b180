#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

#include "store/document_store.hpp"
#include "store/sqlite_connection.hpp"
#include "store/write_request.hpp"

namespace tandem::store {

// Writes one batch of appends and snapshots in one transaction on the writer connection: the
// group-commit step, without threads. Each request's outcome goes to its `result`; a refused
// request (kConflict) does not disturb the others, while any other failure rolls the whole
// batch back and every request gets kIo. Only this class writes to the database.
class BatchWriter {
 public:
  explicit BatchWriter(Connection connection) : connection_(std::move(connection)) {}

  // Returns whether the batch committed (COMMIT returned, so the log is fsynced).
  bool commit(std::deque<WriteRequest>& batch);
  // Appends since the last fold: what waits in recent_ops, unless a prune removed some.
  Result<std::uint64_t> unfolded_ops();
  // Moves every op of recent_ops into ops in one transaction of its own; on failure nothing
  // moved and every op stays readable where it was.
  Result<void> fold();

 private:
  // kConflict refuses this request only; any other error aborts the batch.
  Result<void> apply(WriteRequest& request, std::int64_t now_ms);
  Result<void> append(const std::string& doc, const StoredOp& op, std::int64_t now_ms);
  Result<void> save_snapshot(const std::string& doc, const SnapshotWrite& write);
  // What the writer knows of a document: its row id (0 until it has a row) and the version
  // its next append must carry (last op + 1, else its snapshot's, else 0).
  struct DocState {
    std::int64_t id = 0;
    std::uint64_t next_version = 0;
  };
  Result<DocState*> doc_state(const std::string& doc);
  Result<void> ensure_row(const std::string& doc, DocState& state);
  void abort(std::deque<WriteRequest>& batch, const Error& cause);

  Connection connection_;
  // Cache of doc_state(); valid because this connection is the database's only writer.
  // References stay valid across inserts (node-based map); only clear() drops them.
  std::unordered_map<std::string, DocState> docs_;
  // Rows in recent_ops; empty until counted, and again after a failed transaction.
  std::optional<std::uint64_t> recent_ops_;
};

}  // namespace tandem::store
