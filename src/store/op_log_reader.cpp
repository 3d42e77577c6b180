#include "store/op_log_reader.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "store/store_error.hpp"

namespace tandem::store {
namespace {

constexpr const char* kSelectDocument =
    "SELECT d.id, d.oldest_retained_version, s.version, s.text FROM documents d "
    "LEFT JOIN snapshots s ON s.doc = d.id WHERE d.name = ?1";
// A document's log is its folded ops followed by its recent ones (docs/store.md).
constexpr const char* kSelectOpsFrom =
    "SELECT version, client, seq, op, time_ms FROM ops WHERE doc = ?1 AND version >= ?2 "
    "UNION ALL "
    "SELECT version, client, seq, op, time_ms FROM recent_ops WHERE doc = ?1 AND version >= ?2 "
    "ORDER BY version";
constexpr const char* kSelectOpsRange =
    "WITH d AS (SELECT id FROM documents WHERE name = ?1) "
    "SELECT o.version, o.client, o.seq, o.op, o.time_ms FROM d JOIN ops o ON o.doc = d.id "
    "WHERE o.version >= ?2 AND o.version < ?3 "
    "UNION ALL "
    "SELECT r.version, r.client, r.seq, r.op, r.time_ms FROM d JOIN recent_ops r ON r.doc = d.id "
    "WHERE r.version >= ?2 AND r.version < ?3 "
    "ORDER BY 1";

// Range bounds beyond SQLite's signed integers mean "no bound" (e.g. to = UINT64_MAX).
std::uint64_t clamp_bound(std::uint64_t value) {
  return std::min<std::uint64_t>(value, std::numeric_limits<std::int64_t>::max());
}

StoredOp read_op_row(const Statement& row) {
  StoredOp op;
  op.version = row.column_uint64(0);
  op.client = row.column_text(1);
  op.seq = row.column_uint64(2);
  op.op_json = row.column_text(3);
  op.time_ms = row.column_int64(4);
  return op;
}

}  // namespace

Result<LoadedDocument> OpLogReader::load(const std::string& doc) {
  if (auto begun = connection_.run("BEGIN", "begin load"); !begun) return std::move(begun).error();
  auto loaded = load_in_transaction(doc);
  if (auto ended = connection_.run("COMMIT", "end load"); !ended) {
    if (connection_.in_transaction()) (void)connection_.run("ROLLBACK", "roll back load");
    if (loaded) return std::move(ended).error();
  }
  return loaded;
}

Result<LoadedDocument> OpLogReader::load_in_transaction(const std::string& doc) {
  LoadedDocument loaded;
  std::int64_t id = 0;
  {
    auto document = connection_.statement(kSelectDocument);
    if (!document) return std::move(document).error();
    const StatementReset reset(**document);
    (*document)->bind_text(1, doc);
    const int rc = (*document)->step();
    if (rc == SQLITE_DONE) return loaded;  // never written
    if (rc != SQLITE_ROW) return connection_.error(ErrorCode::kIo, "load document", rc);
    id = (*document)->column_int64(0);
    loaded.oldest_retained_version = (*document)->column_uint64(1);
    if (!(*document)->column_is_null(2)) {
      loaded.snapshot.version = (*document)->column_uint64(2);
      loaded.snapshot.text = (*document)->column_text(3);
    }
  }

  auto ops = connection_.statement(kSelectOpsFrom);
  if (!ops) return std::move(ops).error();
  const StatementReset reset(**ops);
  (*ops)->bind_int64(1, id);
  (*ops)->bind_uint64(2, loaded.snapshot.version);
  int rc = SQLITE_ROW;
  while ((rc = (*ops)->step()) == SQLITE_ROW) {
    StoredOp op = read_op_row(**ops);
    // The writer never leaves a gap, so one here means the file was damaged or edited.
    if (op.version != loaded.snapshot.version + loaded.ops.size()) {
      return make_error(ErrorCode::kCorrupt,
                        connection_.path() + ": document '" + doc + "' has a gap before version " +
                            std::to_string(op.version) + " (expected " +
                            std::to_string(loaded.snapshot.version + loaded.ops.size()) + ")");
    }
    loaded.ops.push_back(std::move(op));
  }
  if (rc != SQLITE_DONE) return connection_.error(ErrorCode::kIo, "load ops", rc);
  return loaded;
}

Result<std::vector<StoredOp>> OpLogReader::read_ops(const std::string& doc, std::uint64_t from,
                                                    std::uint64_t to) {
  std::vector<StoredOp> ops;
  from = clamp_bound(from);
  to = clamp_bound(to);
  if (from >= to) return ops;
  auto stmt = connection_.statement(kSelectOpsRange);
  if (!stmt) return std::move(stmt).error();
  const StatementReset reset(**stmt);
  (*stmt)->bind_text(1, doc);
  (*stmt)->bind_uint64(2, from);
  (*stmt)->bind_uint64(3, to);
  int rc = SQLITE_ROW;
  while ((rc = (*stmt)->step()) == SQLITE_ROW) ops.push_back(read_op_row(**stmt));
  if (rc != SQLITE_DONE) return connection_.error(ErrorCode::kIo, "read ops", rc);
  return ops;
}

}  // namespace tandem::store
