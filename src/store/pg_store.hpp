#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/batch_counters.hpp"
#include "store/document_store.hpp"
#include "store/group_commit_queue.hpp"
#include "store/reachability.hpp"
#include "store/store_stats.hpp"
#include "store/task_thread.hpp"

namespace tandem::store {

class PgBatchWriter;
class PgOpLogReader;

struct PgStoreOptions {
  std::string url;                   // postgres://USER[:PASSWORD]@HOST:PORT/DB (libpq syntax)
  std::size_t max_batch_ops = 8192;  // appends + snapshots per transaction
  // How long the writer or the reader waits for a server that says nothing (a lock wait counts)
  // before the batch or read fails with kIo and the session is dropped. Zero: forever.
  std::chrono::milliseconds response_timeout{60000};
};

// DocumentStore on PostgreSQL (libpq). A writer thread with its own session group-commits every
// queued append and snapshot in one transaction that locks each document's row (FOR UPDATE),
// so several nodes may write one database: each document's ops queue on its lock. Completions
// run after COMMIT returned, in the order the writes were issued. A reader thread with a second
// session serves load and read_ops in order. A dropped connection fails the batch or read that
// met it with kIo; the next one connects again. Same threading rules as SqliteStore; see
// docs/store.md, "PostgreSQL".
class PgStore final : public DocumentStore {
 public:
  // Connects, migrates the schema (serialised across nodes) and starts the threads. Errors name
  // the URL without its password.
  static Result<std::unique_ptr<PgStore>> open(PgStoreOptions options);

  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;
  ~PgStore() override;  // close()

  void load(std::string doc, Done<LoadedDocument> done) override;
  void read_ops(std::string doc, std::uint64_t from, std::uint64_t to,
                Done<std::vector<StoredOp>> done) override;
  // An op with time_ms 0 is stamped with the writer's clock when its batch is written.
  void append(std::string doc, StoredOp op, Done<void> done) override;
  // One queued request for the whole batch, in the writer's next transaction: under the
  // document's lock it is appended at the head, rebased (on the writer thread) over what other
  // nodes appended since its first version, or refused whole. Ops with time_ms 0 are stamped.
  void append_batch(std::string doc, std::vector<StoredOp> ops, Rebase rebase,
                    Done<AppendOutcome> done) override;
  // One query on the reader's session.
  void heads(std::vector<std::string> docs, Done<std::vector<std::uint64_t>> done) override;
  bool shared() const override { return true; }
  void save_snapshot(std::string doc, Snapshot snapshot, std::optional<std::uint64_t> keep_ops_from,
                     Done<void> done) override;
  void close() override;

  [[nodiscard]] StoreStats stats() const;
  // For /readyz: why the database did not answer the last probe, or nothing. Never blocks: each
  // call starts a probe (SELECT 1 on the reader's session, which reconnects) unless one is
  // running, and reports how the previous one ended.
  std::optional<std::string> problem();

 private:
  PgStore(PgStoreOptions options, std::unique_ptr<PgBatchWriter> writer,
          std::unique_ptr<PgOpLogReader> reader);
  void write(WriteRequest request);
  // Reports whether a read reached the database (kIo: it did not), and passes it on.
  template <typename T>
  Result<T> reached(Result<T> result) {
    const bool io_error = !result.ok() && result.error().code == ErrorCode::kIo;
    reachability_.report(!io_error, io_error ? result.error().message : std::string());
    return result;
  }
  void run_writer();

  PgStoreOptions options_;
  std::unique_ptr<PgBatchWriter> writer_;  // used only on writer_thread_
  std::unique_ptr<PgOpLogReader> reader_;  // used only on reader_thread_
  GroupCommitQueue queue_;

  BatchCounters counters_;
  Reachability reachability_{"PostgreSQL"};

  std::mutex probe_mutex_;
  std::optional<std::string> probe_problem_;  // of the last finished probe
  bool probing_ = false;

  std::mutex close_mutex_;
  bool closed_ = false;
  // Last, so they start after everything they touch exists.
  std::unique_ptr<TaskThread> reader_thread_;
  std::thread writer_thread_;
};

}  // namespace tandem::store
