#include "store/batch_writer.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <variant>

#include "store/store_error.hpp"

namespace tandem::store {
namespace {

// Forgetting the cache costs one indexed lookup per document; this bounds its memory.
constexpr std::size_t kMaxCachedDocs = 100000;

// A document's newest op is in recent_ops when it has any there: a fold moves them all.
constexpr const char* kSelectDocState =
    "SELECT d.id, coalesce((SELECT r.version + 1 FROM recent_ops r WHERE r.doc = d.id "
    "ORDER BY r.version DESC LIMIT 1), (SELECT o.version + 1 FROM ops o WHERE o.doc = d.id "
    "ORDER BY o.version DESC LIMIT 1), (SELECT s.version FROM snapshots s WHERE s.doc = d.id), 0) "
    "FROM documents d WHERE d.name = ?1";
constexpr const char* kInsertDoc = "INSERT INTO documents (name) VALUES (?1)";
constexpr const char* kInsertOp =
    "INSERT INTO recent_ops (doc, version, client, seq, op, time_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* kCountRecentOps = "SELECT count(*) FROM recent_ops";
// In primary-key order, so each page of ops' index is written once for all its new entries.
constexpr const char* kFoldRecentOps =
    "INSERT INTO ops (doc, version, client, seq, op, time_ms) "
    "SELECT doc, version, client, seq, op, time_ms FROM recent_ops ORDER BY doc, version";
// Without a WHERE clause SQLite empties the table's pages at once instead of row by row.
constexpr const char* kClearRecentOps = "DELETE FROM recent_ops";
constexpr const char* kSelectRetention =
    "SELECT d.oldest_retained_version, s.version FROM documents d "
    "LEFT JOIN snapshots s ON s.doc = d.id WHERE d.id = ?1";
constexpr const char* kPruneOps = "DELETE FROM ops WHERE doc = ?1 AND version < ?2";
constexpr const char* kPruneRecentOps = "DELETE FROM recent_ops WHERE doc = ?1 AND version < ?2";
constexpr const char* kSetRetention =
    "UPDATE documents SET oldest_retained_version = ?2 WHERE id = ?1";
constexpr const char* kUpsertSnapshot =
    "INSERT INTO snapshots (doc, version, text) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (doc) DO UPDATE SET version = excluded.version, text = excluded.text";

std::int64_t wall_clock_ms() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Error conflict(std::string message) { return make_error(ErrorCode::kConflict, std::move(message)); }

std::string describe(const std::string& doc, std::uint64_t version) {
  return "version " + std::to_string(version) + " of document '" + doc + "'";
}

}  // namespace

bool BatchWriter::commit(std::deque<WriteRequest>& batch) {
  if (docs_.size() > kMaxCachedDocs) docs_.clear();
  if (auto begun = connection_.run("BEGIN IMMEDIATE", "begin batch"); !begun) {
    abort(batch, begun.error());
    return false;
  }
  const std::int64_t now_ms = wall_clock_ms();
  for (WriteRequest& request : batch) {
    auto applied = apply(request, now_ms);
    if (!applied && applied.error().code != ErrorCode::kConflict) {
      abort(batch, applied.error());
      return false;
    }
    request.result = std::move(applied);
  }
  if (auto committed = connection_.run("COMMIT", "commit batch"); !committed) {
    abort(batch, committed.error());
    return false;
  }
  if (recent_ops_) {
    for (const WriteRequest& request : batch) {
      if (request.result.ok() && std::holds_alternative<StoredOp>(request.write)) ++*recent_ops_;
    }
  }
  return true;
}

Result<std::uint64_t> BatchWriter::unfolded_ops() {
  if (!recent_ops_) {
    auto counted = connection_.query_int64(kCountRecentOps);
    if (!counted) return std::move(counted).error();
    recent_ops_ = static_cast<std::uint64_t>(*counted);
  }
  return *recent_ops_;
}

Result<void> BatchWriter::fold() {
  if (auto begun = connection_.run("BEGIN IMMEDIATE", "begin fold"); !begun) return begun;
  for (const char* sql : {kFoldRecentOps, kClearRecentOps}) {
    auto step = connection_.exec(sql, "fold recent ops");
    if (!step) {
      if (connection_.in_transaction()) (void)connection_.run("ROLLBACK", "roll back fold");
      return step;
    }
  }
  if (auto committed = connection_.run("COMMIT", "commit fold"); !committed) {
    if (connection_.in_transaction()) (void)connection_.run("ROLLBACK", "roll back fold");
    recent_ops_.reset();  // a failed COMMIT may or may not have reached the disk
    return committed;
  }
  recent_ops_ = 0;
  return {};
}

void BatchWriter::abort(std::deque<WriteRequest>& batch, const Error& cause) {
  if (connection_.in_transaction()) (void)connection_.run("ROLLBACK", "roll back batch");
  // The rolled-back writes had advanced cached versions and created rows; reread them.
  docs_.clear();
  recent_ops_.reset();
  for (WriteRequest& request : batch) {
    request.result = make_error(ErrorCode::kIo, "not committed: " + cause.message);
  }
}

Result<void> BatchWriter::apply(WriteRequest& request, std::int64_t now_ms) {
  if (const auto* op = std::get_if<StoredOp>(&request.write)) {
    return append(request.doc, *op, now_ms);
  }
  if (const auto* write = std::get_if<SnapshotWrite>(&request.write)) {
    return save_snapshot(request.doc, *write);
  }
  // SqliteStore appends a batch op by op (DocumentStore's default); nothing queues one here.
  return conflict("document '" + request.doc + "': this store does not queue batch appends");
}

Result<void> BatchWriter::append(const std::string& doc, const StoredOp& op, std::int64_t now_ms) {
  auto state = doc_state(doc);
  if (!state) return std::move(state).error();
  const std::uint64_t expected = (*state)->next_version;
  if (op.version < expected) {
    return conflict(describe(doc, op.version) + " is already in the log (next is " +
                    std::to_string(expected) + ")");
  }
  if (op.version > expected) {
    return conflict(describe(doc, op.version) + " would leave a gap (next is " +
                    std::to_string(expected) + ")");
  }
  if (auto row = ensure_row(doc, **state); !row) return row;

  auto insert = connection_.statement(kInsertOp);
  if (!insert) return std::move(insert).error();
  Statement& stmt = **insert;
  const StatementReset reset(stmt);
  stmt.bind_int64(1, (*state)->id);
  stmt.bind_uint64(2, op.version);
  stmt.bind_text(3, op.client);
  stmt.bind_uint64(4, op.seq);
  stmt.bind_text(5, op.op_json);
  stmt.bind_int64(6, op.time_ms != 0 ? op.time_ms : now_ms);
  // A constraint failure backs out this statement only (ON CONFLICT ABORT); the batch goes on.
  switch (const int rc = stmt.step()) {
    case SQLITE_DONE:
      (*state)->next_version = op.version + 1;
      return {};
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return conflict(describe(doc, op.version) + " is already in the log");
    default:
      return connection_.error(ErrorCode::kIo, "append", rc);
  }
}

Result<void> BatchWriter::save_snapshot(const std::string& doc, const SnapshotWrite& write) {
  const Snapshot& snapshot = write.snapshot;
  auto state = doc_state(doc);
  if (!state) return std::move(state).error();
  DocState& entry = **state;
  if (snapshot.version > entry.next_version) {
    return conflict("snapshot at " + describe(doc, snapshot.version) +
                    " is ahead of its log (next is " + std::to_string(entry.next_version) + ")");
  }

  std::uint64_t oldest_retained = 0;
  if (entry.id != 0) {
    auto select = connection_.statement(kSelectRetention);
    if (!select) return std::move(select).error();
    const StatementReset reset(**select);
    (*select)->bind_int64(1, entry.id);
    if (const int rc = (*select)->step(); rc != SQLITE_ROW) {
      return connection_.error(ErrorCode::kIo, "read retention", rc);
    }
    oldest_retained = (*select)->column_uint64(0);
    if (!(*select)->column_is_null(1) && snapshot.version < (*select)->column_uint64(1)) {
      return conflict("snapshot at " + describe(doc, snapshot.version) +
                      " is older than the stored one (" +
                      std::to_string((*select)->column_uint64(1)) + ")");
    }
  }
  if (auto row = ensure_row(doc, entry); !row) return row;

  // Never prune an op the snapshot does not cover, so load() can always rebuild the head.
  const std::uint64_t prune_below =
      write.keep_ops_from ? std::min(*write.keep_ops_from, snapshot.version) : 0;
  if (prune_below > oldest_retained) {
    for (const char* sql : {kPruneOps, kPruneRecentOps, kSetRetention}) {
      auto stmt = connection_.statement(sql);
      if (!stmt) return std::move(stmt).error();
      const StatementReset reset(**stmt);
      (*stmt)->bind_int64(1, entry.id);
      (*stmt)->bind_uint64(2, prune_below);
      if (const int rc = (*stmt)->step(); rc != SQLITE_DONE) {
        return connection_.error(ErrorCode::kIo, "prune ops", rc);
      }
    }
  }

  auto upsert = connection_.statement(kUpsertSnapshot);
  if (!upsert) return std::move(upsert).error();
  const StatementReset reset(**upsert);
  (*upsert)->bind_int64(1, entry.id);
  (*upsert)->bind_uint64(2, snapshot.version);
  (*upsert)->bind_text(3, snapshot.text);
  if (const int rc = (*upsert)->step(); rc != SQLITE_DONE) {
    return connection_.error(ErrorCode::kIo, "save snapshot", rc);
  }
  return {};
}

Result<BatchWriter::DocState*> BatchWriter::doc_state(const std::string& doc) {
  if (auto cached = docs_.find(doc); cached != docs_.end()) return &cached->second;
  DocState state;
  auto select = connection_.statement(kSelectDocState);
  if (!select) return std::move(select).error();
  const StatementReset reset(**select);
  (*select)->bind_text(1, doc);
  const int rc = (*select)->step();
  if (rc == SQLITE_ROW) {
    state.id = (*select)->column_int64(0);
    state.next_version = (*select)->column_uint64(1);
  } else if (rc != SQLITE_DONE) {
    return connection_.error(ErrorCode::kIo, "read document state", rc);
  }
  return &docs_.emplace(doc, state).first->second;
}

Result<void> BatchWriter::ensure_row(const std::string& doc, DocState& state) {
  if (state.id != 0) return {};
  auto insert = connection_.statement(kInsertDoc);
  if (!insert) return std::move(insert).error();
  const StatementReset reset(**insert);
  (*insert)->bind_text(1, doc);
  if (const int rc = (*insert)->step(); rc != SQLITE_DONE) {
    return connection_.error(ErrorCode::kIo, "create document", rc);
  }
  state.id = connection_.last_insert_rowid();
  return {};
}

}  // namespace tandem::store
