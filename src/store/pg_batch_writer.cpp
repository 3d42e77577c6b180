#include "store/pg_batch_writer.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "store/store_error.hpp"

namespace tandem::store {
namespace {

constexpr const char* kEnsureDocument =
    "INSERT INTO documents (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";
// The document's lock: held until COMMIT, released by the server if this session dies.
constexpr const char* kLockDocument =
    "SELECT id, head, oldest_retained_version, snapshot_version FROM documents "
    "WHERE name = $1 FOR UPDATE";
constexpr const char* kFindClientSeq =
    "SELECT o.version FROM ops o WHERE o.doc = (SELECT id FROM documents WHERE name = $1) "
    "AND o.client = $2 AND o.seq = $3";
constexpr const char* kInsertOp =
    "INSERT INTO ops (doc, version, client, seq, op, time_ms) VALUES ($1, $2, $3, $4, $5, $6)";
constexpr const char* kPruneOps = "DELETE FROM ops WHERE doc = $1 AND version < $2";
constexpr const char* kSaveSnapshot =
    "UPDATE documents SET snapshot_version = $2, snapshot_text = $3 WHERE id = $1";
constexpr const char* kUpdateDocument =
    "UPDATE documents SET head = $2, oldest_retained_version = $3 WHERE id = $1";

std::int64_t wall_clock_ms() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Error conflict(std::string message) { return make_error(ErrorCode::kConflict, std::move(message)); }

std::string describe(const std::string& doc, std::uint64_t version) {
  return "version " + std::to_string(version) + " of document '" + doc + "'";
}

// What the batch knows of a document once its row is locked, and what it changed.
struct LockedDocument {
  std::int64_t id = 0;
  std::uint64_t head = 0;  // the version the next append must carry
  std::uint64_t oldest_retained = 0;
  std::optional<std::uint64_t> snapshot_version;
  std::set<std::pair<std::string, std::uint64_t>> accepted;  // (client, seq) of this batch
  bool changed = false;
};

}  // namespace

Result<PgConnection> connect_pg_writer(const std::string& url) {
  auto connection = PgConnection::connect(url);
  if (!connection) return connection;
  if (auto set = connection->exec("SET synchronous_commit TO on", "set synchronous_commit"); !set) {
    return std::move(set).error();
  }
  return connection;
}

bool PgBatchWriter::commit(std::deque<WriteRequest>& batch) {
  if (!connection_ || !connection_->healthy()) {
    connection_.reset();
    auto connected = connect_pg_writer(url_);
    if (!connected) {
      abort(batch, connected.error());
      return false;
    }
    connection_.emplace(std::move(*connected));
  }
  if (auto written = run(batch); !written) {
    abort(batch, written.error());
    return false;
  }
  return true;
}

Result<void> PgBatchWriter::run(std::deque<WriteRequest>& batch) {
  // Sorted names: every node locks documents in the same order, so none waits in a cycle.
  std::map<std::string, LockedDocument> docs;
  for (const WriteRequest& request : batch) docs.try_emplace(request.doc);
  std::vector<std::optional<std::uint64_t>> stored_at(batch.size());

  // Round trip 1: lock the rows and look up every append's (client, seq).
  std::vector<PgStatement> reads;
  reads.push_back({"BEGIN", {}, {}});
  for (auto& [name, doc] : docs) {
    reads.push_back({kEnsureDocument, PgParams{}.bytes(name), {}});
    reads.push_back({kLockDocument, PgParams{}.bytes(name),
                     [&doc = doc, &name = name](const PgResult& rows) -> Result<void> {
                       if (rows.rows() != 1) {
                         return make_error(ErrorCode::kIo, "no row for document '" + name + "'");
                       }
                       doc.id = rows.int64(0, 0);
                       doc.head = rows.uint64(0, 1);
                       doc.oldest_retained = rows.uint64(0, 2);
                       if (!rows.is_null(0, 3)) doc.snapshot_version = rows.uint64(0, 3);
                       return {};
                     }});
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto* op = std::get_if<StoredOp>(&batch[i].write);
    if (op == nullptr) continue;
    reads.push_back({kFindClientSeq,
                     PgParams{}.bytes(batch[i].doc).bytes(op->client).uint64(op->seq),
                     [&stored = stored_at[i]](const PgResult& rows) -> Result<void> {
                       if (rows.rows() > 0) stored = rows.uint64(0, 0);
                       return {};
                     }});
  }
  if (auto locked = connection_->pipeline(reads, "lock documents"); !locked) return locked;

  // Every check runs here, under the locks, against committed state plus this batch.
  const std::int64_t now_ms = wall_clock_ms();
  std::vector<PgStatement> writes;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    WriteRequest& request = batch[i];
    LockedDocument& doc = docs.at(request.doc);
    if (const auto* op = std::get_if<StoredOp>(&request.write)) {
      if (op->version < doc.head) {
        request.result =
            conflict(describe(request.doc, op->version) + " is already in the log (next is " +
                     std::to_string(doc.head) + ")");
      } else if (op->version > doc.head) {
        request.result = conflict(describe(request.doc, op->version) +
                                  " would leave a gap (next is " + std::to_string(doc.head) + ")");
      } else if (stored_at[i] || doc.accepted.count({op->client, op->seq}) != 0) {
        request.result = conflict(
            "(client, seq) (" + op->client + ", " + std::to_string(op->seq) + ") of document '" +
            request.doc + "' is already in the log" +
            (stored_at[i] ? " at version " + std::to_string(*stored_at[i]) : std::string()));
      } else {
        writes.push_back({kInsertOp,
                          PgParams{}
                              .int64(doc.id)
                              .uint64(op->version)
                              .bytes(op->client)
                              .uint64(op->seq)
                              .bytes(op->op_json)
                              .int64(op->time_ms != 0 ? op->time_ms : now_ms),
                          {}});
        doc.accepted.emplace(op->client, op->seq);
        doc.head = op->version + 1;
        doc.changed = true;
        request.result = {};
      }
      continue;
    }
    const SnapshotWrite& write = std::get<SnapshotWrite>(request.write);
    const Snapshot& snapshot = write.snapshot;
    if (snapshot.version > doc.head) {
      request.result = conflict("snapshot at " + describe(request.doc, snapshot.version) +
                                " is ahead of its log (next is " + std::to_string(doc.head) + ")");
      continue;
    }
    if (doc.snapshot_version && snapshot.version < *doc.snapshot_version) {
      request.result =
          conflict("snapshot at " + describe(request.doc, snapshot.version) +
                   " is older than the stored one (" + std::to_string(*doc.snapshot_version) + ")");
      continue;
    }
    // Never prune an op the snapshot does not cover, so load() can always rebuild the head.
    const std::uint64_t prune_below =
        write.keep_ops_from ? std::min(*write.keep_ops_from, snapshot.version) : 0;
    if (prune_below > doc.oldest_retained) {
      writes.push_back({kPruneOps, PgParams{}.int64(doc.id).uint64(prune_below), {}});
      doc.oldest_retained = prune_below;
    }
    writes.push_back({kSaveSnapshot,
                      PgParams{}.int64(doc.id).uint64(snapshot.version).bytes(snapshot.text),
                      {}});
    doc.snapshot_version = snapshot.version;
    doc.changed = true;
    request.result = {};
  }

  // Round trip 2 (or more, for a long batch): the writes, the heads, COMMIT.
  for (const auto& [name, doc] : docs) {
    if (!doc.changed) continue;
    writes.push_back({kUpdateDocument,
                      PgParams{}.int64(doc.id).uint64(doc.head).uint64(doc.oldest_retained),
                      {}});
  }
  writes.push_back({"COMMIT", {}, {}});
  if (auto written = connection_->pipeline(writes, "write batch"); !written) return written;
  // A COMMIT in a failed transaction answers ROLLBACK without an error; never call that success.
  if (connection_->transaction_status() != PQTRANS_IDLE) {
    return make_error(ErrorCode::kIo, "the transaction did not commit");
  }
  return {};
}

void PgBatchWriter::abort(std::deque<WriteRequest>& batch, const Error& cause) {
  // Closing the session rolls back whatever it had open and frees its locks at once.
  connection_.reset();
  for (WriteRequest& request : batch) {
    request.result = make_error(ErrorCode::kIo, "not committed: " + cause.message);
  }
}

}  // namespace tandem::store
