#pragma once

#include "common/result.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tandem::store {

enum class ErrorCode : std::uint8_t {
  kIo,        // the disk or the database failed; nothing was confirmed
  kConflict,  // the version, or the (client, seq) pair, is already in the log
  kCorrupt,   // stored data failed a consistency check
  kClosed,    // the store is shutting down
};

struct Error {
  ErrorCode code;
  std::string message;
};

template <typename T>
using Result = tandem::Result<T, Error>;

// One entry of a document's op log: the op applied at `version` (the document is at
// version + 1 after it), in its transformed, canonical JSON form.
struct StoredOp {
  std::uint64_t version = 0;
  std::string client;
  std::uint64_t seq = 0;
  std::string op_json;
  std::int64_t time_ms = 0;  // server wall clock at append, milliseconds since the epoch

  friend bool operator==(const StoredOp&, const StoredOp&) = default;
};

struct Snapshot {
  std::uint64_t version = 0;
  std::string text;
};

// What a document actor needs to come alive: its newest snapshot and every op after it.
struct LoadedDocument {
  Snapshot snapshot;          // version 0 and "" for a document never written
  std::vector<StoredOp> ops;  // versions snapshot.version, snapshot.version + 1, ... in order
  std::uint64_t oldest_retained_version = 0;  // ops before this one were pruned
};

// What append_batch wrote: the ops other writers had appended since the batch's first version
// (in order; empty on a single node), then the batch itself at its final versions, rebased over
// them.
struct AppendOutcome {
  std::vector<StoredOp> foreign;
  std::vector<StoredOp> appended;
};

// Turns a batch written against an older head into one that applies after `foreign` (the ops
// appended by others since): returns the batch's ops transformed, in order (versions are set by
// the store). Pure; runs on a store thread inside the transaction that holds the document's
// lock. An error (an op of the batch is already among `foreign`, a stored op is unreadable)
// aborts the batch with it.
using Rebase = std::function<Result<std::vector<StoredOp>>(const std::vector<StoredOp>& foreign,
                                                           std::vector<StoredOp> mine)>;

// The durable op log and snapshots. Thread-safe. Every call is asynchronous: the completion
// runs on a store thread, never on the caller's, and the caller posts back to its own loop.
//
// Durability contract: append's completion reports success only after the op is on disk
// (fsync), so a confirmation sent after it survives kill -9 and power loss.
class DocumentStore {
 public:
  template <typename T>
  using Done = std::function<void(Result<T>)>;

  virtual ~DocumentStore() = default;

  virtual void load(std::string doc, Done<LoadedDocument> done) = 0;
  // Ops with from <= version < to, in order; fewer when the log ends or was pruned before `from`.
  virtual void read_ops(std::string doc, std::uint64_t from, std::uint64_t to,
                        Done<std::vector<StoredOp>> done) = 0;
  // Appends of one document must be issued in version order without gaps; many appends (of
  // any documents) share one transaction and one fsync (group commit).
  virtual void append(std::string doc, StoredOp op, Done<void> done) = 0;
  // A document's batch: ops at consecutive versions from the writer's known head, made durable
  // together. On a shared store (below) another node may have appended since: the store then
  // rebases the batch over those ops under the document's lock and appends it at the head,
  // instead of failing (DESIGN.md §9). A store only this process writes refuses a version
  // mismatch with kConflict, like append. The default issues one append per op.
  virtual void append_batch(std::string doc, std::vector<StoredOp> ops, Rebase rebase,
                            Done<AppendOutcome> done);
  // The head (the next version) of each named document, 0 for one not stored; in the same
  // order. For the head checks of a shared store; the default refuses with kClosed.
  virtual void heads(std::vector<std::string> docs, Done<std::vector<std::uint64_t>> done);
  // Other processes (nodes) may append to this store: a document's head can move without
  // this process, so a version ahead of what it knows means "read the store", not an error.
  virtual bool shared() const { return false; }
  // Stores a snapshot and prunes ops older than `keep_ops_from` (when given).
  virtual void save_snapshot(std::string doc, Snapshot snapshot,
                             std::optional<std::uint64_t> keep_ops_from, Done<void> done) = 0;
  // Finishes everything queued, then refuses new work with kClosed. Blocks until done.
  virtual void close() = 0;
};

}  // namespace tandem::store
