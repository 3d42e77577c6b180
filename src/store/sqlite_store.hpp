#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/batch_counters.hpp"
#include "store/document_store.hpp"
#include "store/group_commit_queue.hpp"
#include "store/store_stats.hpp"
#include "store/task_thread.hpp"

namespace tandem::store {

class BatchWriter;
class OpLogReader;

struct SqliteStoreOptions {
  std::string path;  // the database file, e.g. <data-dir>/tandem.db; created when missing
  std::size_t max_batch_ops = 8192;  // appends + snapshots per transaction (and per fsync)
  std::chrono::milliseconds busy_timeout{5000};  // only another process could hold the lock
  std::int64_t cache_size_kib = 16384;           // SQLite page cache of each connection
  std::int64_t wal_autocheckpoint_pages =
      4096;  // WAL size (4 KiB pages) that triggers a checkpoint
  // Appends that collect in recent_ops before the writer folds them into ops (docs/store.md).
  // More amortizes each fold over more ops; reads of recent ops stay indexed either way.
  std::uint64_t fold_after_ops = 16384;
};

// The same counters as every store (store_stats.hpp); folds are SQLite only.
using SqliteStoreStats = StoreStats;

// DocumentStore on one SQLite file (WAL, synchronous=FULL). A writer thread with its own
// connection group-commits every queued append and snapshot in one transaction and runs
// their completions after COMMIT, in the order the writes were issued; a reader thread with a
// read-only connection serves load and read_ops in order, concurrently with writes.
// Completions run on those two threads and must not block or throw; they may call the store
// again, but must not call close() or destroy it. After close(), calls complete at once on the
// caller's thread with kClosed. See docs/store.md.
class SqliteStore final : public DocumentStore {
 public:
  // Opens (creating or migrating) the database and starts the threads. Errors name the path.
  static Result<std::unique_ptr<SqliteStore>> open(SqliteStoreOptions options);

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  ~SqliteStore() override;  // close()

  void load(std::string doc, Done<LoadedDocument> done) override;
  void read_ops(std::string doc, std::uint64_t from, std::uint64_t to,
                Done<std::vector<StoredOp>> done) override;
  // An op with time_ms 0 is stamped with the writer's clock when its batch is written.
  void append(std::string doc, StoredOp op, Done<void> done) override;
  void save_snapshot(std::string doc, Snapshot snapshot, std::optional<std::uint64_t> keep_ops_from,
                     Done<void> done) override;
  void close() override;

  [[nodiscard]] SqliteStoreStats stats() const;
  [[nodiscard]] const std::string& path() const { return options_.path; }

 private:
  SqliteStore(SqliteStoreOptions options, std::unique_ptr<BatchWriter> writer,
              std::unique_ptr<OpLogReader> reader);
  void write(WriteRequest request);
  void run_writer();
  void fold_when_due();

  SqliteStoreOptions options_;
  std::unique_ptr<BatchWriter> writer_;  // used only on writer_thread_
  std::unique_ptr<OpLogReader> reader_;  // used only on reader_thread_
  std::uint64_t fold_at_;                // unfolded appends that start a fold; writer thread
  GroupCommitQueue queue_;

  BatchCounters counters_;
  std::atomic<std::uint64_t> folds_committed_{0};
  std::atomic<std::uint64_t> folds_failed_{0};

  std::mutex close_mutex_;
  bool closed_ = false;
  // Last, so they start after everything they touch exists.
  std::unique_ptr<TaskThread> reader_thread_;
  std::thread writer_thread_;
};

}  // namespace tandem::store
