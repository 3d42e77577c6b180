#include "store/pg_batch_writer.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "store/pg_op_log_reader.hpp"
#include "store/store_error.hpp"

namespace tandem::store {
namespace {

constexpr const char* kEnsureDocument =
    "INSERT INTO documents (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";
// The document's lock: held until COMMIT, released by the server if this session dies.
constexpr const char* kLockDocument =
    "SELECT id, head, oldest_retained_version, snapshot_version FROM documents "
    "WHERE name = $1 FOR UPDATE";
// Sent right after the lock, so (READ COMMITTED: a new snapshot per statement) it sees every op
// committed before the lock was granted: what other nodes appended since a batch's first version.
constexpr const char* kSelectOpsFrom =
    "SELECT version, client, seq, op, time_ms FROM ops "
    "WHERE doc = (SELECT id FROM documents WHERE name = $1) AND version >= $2 ORDER BY version";
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
// Unless the URL or the role chose otherwise: a node frozen inside a transaction (SIGSTOP, a
// stalled VM) loses its session, and with it its document locks, after this long.
constexpr const char* kDefaultIdleInTransactionTimeout =
    "SELECT set_config('idle_in_transaction_session_timeout', '30s', false) "
    "WHERE current_setting('idle_in_transaction_session_timeout') = '0'";

std::int64_t wall_clock_ms() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Error conflict(std::string message) { return make_error(ErrorCode::kConflict, std::move(message)); }

std::string describe(const std::string& doc, std::uint64_t version) {
  return "version " + std::to_string(version) + " of document '" + doc + "'";
}

using ClientSeq = std::pair<std::string, std::uint64_t>;

std::string describe(const std::string& doc, const ClientSeq& key) {
  return "(client, seq) (" + key.first + ", " + std::to_string(key.second) + ") of document '" +
         doc + "'";
}

// What the batch knows of a document once its row is locked, and what it changed.
struct LockedDocument {
  std::int64_t id = 0;
  std::uint64_t head = 0;  // the version the next append must carry
  std::uint64_t oldest_retained = 0;
  std::optional<std::uint64_t> snapshot_version;
  // (client, seq) -> version, of the ops of this batch looked up in the log or appended by it.
  std::map<ClientSeq, std::uint64_t> stored;
  // Only for a document with batch appends: the lowest first version among them, and the log
  // from `tail_from` to `head` as this transaction sees it (read under the lock, then appended).
  std::optional<std::uint64_t> read_from;
  std::uint64_t tail_from = 0;
  std::vector<StoredOp> tail;
  bool tail_contiguous = true;  // false if the rows read had a gap (a damaged log)
  bool changed = false;

  void appended(const StoredOp& op) {
    stored.emplace(ClientSeq{op.client, op.seq}, op.version);
    if (read_from) tail.push_back(op);
    head = op.version + 1;
    changed = true;
  }
};

PgStatement insert_statement(const LockedDocument& doc, const StoredOp& op) {
  return {kInsertOp,
          PgParams{}
              .int64(doc.id)
              .uint64(op.version)
              .bytes(op.client)
              .uint64(op.seq)
              .bytes(op.op_json)
              .int64(op.time_ms),
          {}};
}

// The checks and inserts of one batch append, under its document's lock: at the head as given,
// or rebased over the ops appended since its first version. Nothing is written unless all of it
// is. A refused batch keeps its ops (the counters count them); a written one moves them to its
// outcome.
Result<void> write_batch(const std::string& name, LockedDocument& doc, BatchAppend& batch,
                         std::int64_t now_ms, std::vector<PgStatement>& writes) {
  const std::vector<StoredOp>& given = batch.ops;
  const std::uint64_t first = given.front().version;
  std::set<ClientSeq> mine;
  for (std::size_t i = 0; i < given.size(); ++i) {
    if (given[i].version != first + i) {
      return conflict("the batch of document '" + name + "' skips from version " +
                      std::to_string(first + i - 1) + " to " + std::to_string(given[i].version));
    }
    ClientSeq key{given[i].client, given[i].seq};
    // Stored before the batch's base: the submit was applied already (a resend).
    if (auto found = doc.stored.find(key); found != doc.stored.end() && found->second < first) {
      return conflict(describe(name, key) + " is already in the log at version " +
                      std::to_string(found->second));
    }
    if (!mine.insert(std::move(key)).second) {
      return conflict(describe(name, ClientSeq{given[i].client, given[i].seq}) +
                      " is twice in one batch");
    }
  }
  if (first > doc.head) {
    return conflict("the batch at " + describe(name, first) + " would leave a gap (next is " +
                    std::to_string(doc.head) + ")");
  }

  std::vector<StoredOp> foreign;
  std::vector<StoredOp> ops;
  if (first == doc.head) {
    ops = std::move(batch.ops);
  } else {
    if (first < doc.oldest_retained) {
      return conflict("the batch at " + describe(name, first) +
                      " cannot be rebased: the ops from there on were pruned (oldest retained is " +
                      std::to_string(doc.oldest_retained) + ")");
    }
    if (!doc.tail_contiguous || first < doc.tail_from) {
      return make_error(ErrorCode::kCorrupt,
                        "document '" + name + "' has a gap in its log between " +
                            std::to_string(first) + " and " + std::to_string(doc.head));
    }
    foreign.assign(doc.tail.begin() + static_cast<std::ptrdiff_t>(first - doc.tail_from),
                   doc.tail.end());
    if (!batch.rebase) {
      return conflict("the batch at " + describe(name, first) + " is behind the head (" +
                      std::to_string(doc.head) + ") and has no rebase");
    }
    auto rebased = batch.rebase(foreign, given);
    if (!rebased) return std::move(rebased).error();
    ops = std::move(*rebased);
    // The rebase is the caller's code: never let its output reach a constraint of the table.
    std::set<ClientSeq> seen;
    for (const StoredOp& op : ops) {
      ClientSeq key{op.client, op.seq};
      if (mine.count(key) == 0 || !seen.insert(key).second) {
        return conflict("the rebase of the batch of document '" + name +
                        "' returned an op it was not given: " + describe(name, key));
      }
      if (auto found = doc.stored.find(key); found != doc.stored.end()) {
        return conflict(describe(name, key) + " is already in the log at version " +
                        std::to_string(found->second));
      }
    }
  }

  for (StoredOp& op : ops) {
    op.version = doc.head;
    if (op.time_ms == 0) op.time_ms = now_ms;
    writes.push_back(insert_statement(doc, op));
    doc.appended(op);
  }
  batch.outcome->foreign = std::move(foreign);
  batch.outcome->appended = std::move(ops);
  return {};
}

}  // namespace

Result<PgConnection> connect_pg_writer(const std::string& url,
                                       std::chrono::milliseconds response_timeout) {
  auto connection = PgConnection::connect(url);
  if (!connection) return connection;
  connection->set_response_timeout(response_timeout);
  if (auto set = connection->exec("SET synchronous_commit TO on", "set synchronous_commit"); !set) {
    return std::move(set).error();
  }
  if (auto set = connection->exec(kDefaultIdleInTransactionTimeout,
                                  "set idle_in_transaction_session_timeout");
      !set) {
    return std::move(set).error();
  }
  return connection;
}

bool PgBatchWriter::commit(std::deque<WriteRequest>& batch) {
  if (!connection_ || !connection_->healthy()) {
    connection_.reset();
    auto connected = connect_pg_writer(url_, response_timeout_);
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
  for (const WriteRequest& request : batch) {
    const auto* appends = std::get_if<BatchAppend>(&request.write);
    if (appends != nullptr && appends->ops.empty()) continue;  // touches nothing
    LockedDocument& doc = docs[request.doc];
    if (appends != nullptr) {
      const std::uint64_t first = appends->ops.front().version;
      doc.read_from = doc.read_from ? std::min(*doc.read_from, first) : first;
    }
  }

  // Round trip 1: lock the rows, read what others appended since each batch's first version,
  // and look up every append's (client, seq).
  std::vector<PgStatement> reads;
  reads.push_back({"BEGIN ISOLATION LEVEL READ COMMITTED", {}, {}});
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
    if (!doc.read_from) continue;
    reads.push_back({kSelectOpsFrom, PgParams{}.bytes(name).uint64(*doc.read_from),
                     [&doc = doc](const PgResult& rows) -> Result<void> {
                       read_op_rows(rows, doc.tail);
                       doc.tail_from = doc.tail.empty() ? doc.head : doc.tail.front().version;
                       for (std::size_t i = 0; i < doc.tail.size(); ++i) {
                         if (doc.tail[i].version != doc.tail_from + i) doc.tail_contiguous = false;
                       }
                       if (doc.tail_from + doc.tail.size() != doc.head) {
                         doc.tail_contiguous = false;
                       }
                       return {};
                     }});
  }
  const auto look_up = [&reads, &docs](const std::string& name, const StoredOp& op) {
    reads.push_back({kFindClientSeq, PgParams{}.bytes(name).bytes(op.client).uint64(op.seq),
                     [&doc = docs.at(name),
                      key = ClientSeq{op.client, op.seq}](const PgResult& rows) -> Result<void> {
                       if (rows.rows() > 0) doc.stored.emplace(key, rows.uint64(0, 0));
                       return {};
                     }});
  };
  for (const WriteRequest& request : batch) {
    if (const auto* append = std::get_if<StoredOp>(&request.write)) {
      look_up(request.doc, *append);
    } else if (const auto* appends = std::get_if<BatchAppend>(&request.write)) {
      for (const StoredOp& op : appends->ops) look_up(request.doc, op);
    }
  }
  if (auto locked = connection_->pipeline(reads, "lock documents"); !locked) return locked;

  // Every check runs here, under the locks, against committed state plus this batch.
  const std::int64_t now_ms = wall_clock_ms();
  std::vector<PgStatement> writes;
  for (WriteRequest& request : batch) {
    if (auto* appends = std::get_if<BatchAppend>(&request.write)) {
      request.result = appends->ops.empty() ? Result<void>{}
                                            : write_batch(request.doc, docs.at(request.doc),
                                                          *appends, now_ms, writes);
      continue;
    }
    LockedDocument& doc = docs.at(request.doc);
    if (auto* op = std::get_if<StoredOp>(&request.write)) {
      if (op->version < doc.head) {
        request.result =
            conflict(describe(request.doc, op->version) + " is already in the log (next is " +
                     std::to_string(doc.head) + ")");
      } else if (op->version > doc.head) {
        request.result = conflict(describe(request.doc, op->version) +
                                  " would leave a gap (next is " + std::to_string(doc.head) + ")");
      } else if (auto found = doc.stored.find({op->client, op->seq}); found != doc.stored.end()) {
        request.result =
            conflict(describe(request.doc, found->first) + " is already in the log at version " +
                     std::to_string(found->second));
      } else {
        if (op->time_ms == 0) op->time_ms = now_ms;
        writes.push_back(insert_statement(doc, *op));
        doc.appended(*op);
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
