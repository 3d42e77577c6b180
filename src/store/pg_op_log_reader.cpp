#include "store/pg_op_log_reader.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <utility>

#include "store/store_error.hpp"

namespace tandem::store {
namespace {

constexpr const char* kSelectDocument =
    "SELECT oldest_retained_version, snapshot_version, snapshot_text FROM documents "
    "WHERE name = $1";
constexpr const char* kSelectOpsFromSnapshot =
    "SELECT o.version, o.client, o.seq, o.op, o.time_ms FROM documents d "
    "JOIN ops o ON o.doc = d.id WHERE d.name = $1 "
    "AND o.version >= coalesce(d.snapshot_version, 0) ORDER BY o.version";
constexpr const char* kSelectOpsRange =
    "SELECT o.version, o.client, o.seq, o.op, o.time_ms FROM documents d "
    "JOIN ops o ON o.doc = d.id WHERE d.name = $1 AND o.version >= $2 AND o.version < $3 "
    "ORDER BY o.version";
constexpr const char* kSelectHeads = "SELECT name, head FROM documents WHERE name = ANY($1)";

// Range bounds beyond PostgreSQL's signed bigint mean "no bound" (e.g. to = UINT64_MAX).
std::uint64_t clamp_bound(std::uint64_t value) {
  return std::min<std::uint64_t>(value, std::numeric_limits<std::int64_t>::max());
}

}  // namespace

void read_op_rows(const PgResult& rows, std::vector<StoredOp>& out) {
  for (int row = 0; row < rows.rows(); ++row) {
    StoredOp op;
    op.version = rows.uint64(row, 0);
    op.client = rows.bytes(row, 1);
    op.seq = rows.uint64(row, 2);
    op.op_json = rows.bytes(row, 3);
    op.time_ms = rows.int64(row, 4);
    out.push_back(std::move(op));
  }
}

Result<PgConnection*> PgOpLogReader::connection() {
  if (connection_ && connection_->healthy()) return &*connection_;
  connection_.reset();
  auto connected = PgConnection::connect(url_);
  if (!connected) return std::move(connected).error();
  connected->set_response_timeout(response_timeout_);
  connection_.emplace(std::move(*connected));
  return &*connection_;
}

Result<LoadedDocument> PgOpLogReader::load(const std::string& doc) {
  auto conn = connection();
  if (!conn) return std::move(conn).error();
  LoadedDocument loaded;
  std::vector<PgStatement> statements;
  statements.push_back({"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", {}, {}});
  statements.push_back(
      {kSelectDocument, PgParams{}.bytes(doc), [&loaded](const PgResult& rows) -> Result<void> {
         if (rows.rows() == 0) return {};  // never written
         loaded.oldest_retained_version = rows.uint64(0, 0);
         if (!rows.is_null(0, 1)) {
           loaded.snapshot.version = rows.uint64(0, 1);
           loaded.snapshot.text = rows.bytes(0, 2);
         }
         return {};
       }});
  statements.push_back({kSelectOpsFromSnapshot, PgParams{}.bytes(doc),
                        [&loaded](const PgResult& rows) -> Result<void> {
                          read_op_rows(rows, loaded.ops);
                          return {};
                        }});
  statements.push_back({"COMMIT", {}, {}});
  if (auto read = (*conn)->pipeline(statements, "load"); !read) {
    connection_.reset();  // also ends the read transaction if it is still open
    return std::move(read).error();
  }
  // The writer never leaves a gap, so one here means the database was damaged or edited.
  for (std::size_t i = 0; i < loaded.ops.size(); ++i) {
    if (loaded.ops[i].version != loaded.snapshot.version + i) {
      return make_error(ErrorCode::kCorrupt,
                        redact_url(url_) + ": document '" + doc + "' has a gap before version " +
                            std::to_string(loaded.ops[i].version) + " (expected " +
                            std::to_string(loaded.snapshot.version + i) + ")");
    }
  }
  return loaded;
}

Result<std::vector<StoredOp>> PgOpLogReader::read_ops(const std::string& doc, std::uint64_t from,
                                                      std::uint64_t to) {
  std::vector<StoredOp> ops;
  from = clamp_bound(from);
  to = clamp_bound(to);
  if (from >= to) return ops;
  auto conn = connection();
  if (!conn) return std::move(conn).error();
  // A pipeline of one: the same round trip as a plain query, but prepared once per session.
  std::vector<PgStatement> statements;
  statements.push_back({kSelectOpsRange, PgParams{}.bytes(doc).uint64(from).uint64(to),
                        [&ops](const PgResult& rows) -> Result<void> {
                          read_op_rows(rows, ops);
                          return {};
                        }});
  if (auto read = (*conn)->pipeline(statements, "read ops"); !read) {
    connection_.reset();
    return std::move(read).error();
  }
  return ops;
}

Result<std::vector<std::uint64_t>> PgOpLogReader::heads(const std::vector<std::string>& docs) {
  std::vector<std::uint64_t> heads(docs.size(), 0);
  if (docs.empty()) return heads;
  auto conn = connection();
  if (!conn) return std::move(conn).error();
  std::unordered_map<std::string, std::uint64_t> found;
  std::vector<PgStatement> statements;
  statements.push_back(
      {kSelectHeads, PgParams{}.bytes_array(docs), [&found](const PgResult& rows) -> Result<void> {
         for (int row = 0; row < rows.rows(); ++row) {
           found.emplace(rows.bytes(row, 0), rows.uint64(row, 1));
         }
         return {};
       }});
  if (auto read = (*conn)->pipeline(statements, "read heads"); !read) {
    connection_.reset();
    return std::move(read).error();
  }
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (auto head = found.find(docs[i]); head != found.end()) heads[i] = head->second;
  }
  return heads;
}

Result<void> PgOpLogReader::ping() {
  auto conn = connection();
  if (!conn) return std::move(conn).error();
  std::vector<PgStatement> statements;
  statements.push_back({"SELECT 1", {}, {}});
  if (auto answered = (*conn)->pipeline(statements, "ping"); !answered) {
    connection_.reset();
    return answered;
  }
  return {};
}

}  // namespace tandem::store
