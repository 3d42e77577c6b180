#include "store/sqlite_store.hpp"

#include <algorithm>
#include <deque>
#include <utility>

#include "store/batch_writer.hpp"
#include "store/op_log_reader.hpp"
#include "store/sqlite_connection.hpp"
#include "store/sqlite_schema.hpp"
#include "store/store_error.hpp"

namespace tandem::store {

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(SqliteStoreOptions options) {
  if (options.path.empty()) {
    return make_error(ErrorCode::kIo, "no database path given (SQLite would use a temporary file)");
  }
  if (options.max_batch_ops == 0) options.max_batch_ops = 1;
  // Zero would turn checkpoints off and let the WAL grow without bound.
  if (options.wal_autocheckpoint_pages <= 0) options.wal_autocheckpoint_pages = 1000;

  ConnectionSettings settings{options.path, false, options.busy_timeout, options.cache_size_kib,
                              options.wal_autocheckpoint_pages};
  auto write_connection = Connection::open(settings);
  if (!write_connection) return std::move(write_connection).error();
  if (auto migrated = migrate(*write_connection); !migrated) return std::move(migrated).error();
  // Opened after the writer put the file in WAL mode and created the schema.
  settings.read_only = true;
  auto read_connection = Connection::open(settings);
  if (!read_connection) return std::move(read_connection).error();

  auto writer = std::make_unique<BatchWriter>(std::move(*write_connection));
  auto reader = std::make_unique<OpLogReader>(std::move(*read_connection));
  // The constructor is private so that every store comes from open(); make_unique cannot call it.
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(options), std::move(writer), std::move(reader)));
}

SqliteStore::SqliteStore(SqliteStoreOptions options, std::unique_ptr<BatchWriter> writer,
                         std::unique_ptr<OpLogReader> reader)
    : options_(std::move(options)),
      writer_(std::move(writer)),
      reader_(std::move(reader)),
      fold_at_(options_.fold_after_ops),
      reader_thread_(std::make_unique<TaskThread>()),
      writer_thread_([this] { run_writer(); }) {}

SqliteStore::~SqliteStore() { close(); }

void SqliteStore::close() {
  const std::lock_guard lock(close_mutex_);
  if (closed_) return;
  closed_ = true;
  // Both threads finish what was queued before they stop taking work.
  queue_.close();
  writer_thread_.join();
  reader_thread_->stop_and_join();
  // The writer's connection closes last, which checkpoints the WAL into the database file.
  reader_.reset();
  writer_.reset();
}

void SqliteStore::load(std::string doc, Done<LoadedDocument> done) {
  reader_thread_->post([this, doc = std::move(doc), done = std::move(done)](bool cancelled) {
    if (cancelled) return done(closed_error());
    done(reader_->load(doc));
  });
}

void SqliteStore::read_ops(std::string doc, std::uint64_t from, std::uint64_t to,
                           Done<std::vector<StoredOp>> done) {
  reader_thread_->post(
      [this, doc = std::move(doc), from, to, done = std::move(done)](bool cancelled) {
        if (cancelled) return done(closed_error());
        done(reader_->read_ops(doc, from, to));
      });
}

void SqliteStore::append(std::string doc, StoredOp op, Done<void> done) {
  write(WriteRequest{std::move(doc), std::move(op), std::move(done), {}});
}

void SqliteStore::save_snapshot(std::string doc, Snapshot snapshot,
                                std::optional<std::uint64_t> keep_ops_from, Done<void> done) {
  write(WriteRequest{
      std::move(doc), SnapshotWrite{std::move(snapshot), keep_ops_from}, std::move(done), {}});
}

void SqliteStore::write(WriteRequest request) {
  if (!queue_.push(request)) request.done(closed_error());
}

void SqliteStore::run_writer() {
  std::deque<WriteRequest> batch;
  while (queue_.take(batch, options_.max_batch_ops)) {
    counters_.count(writer_->commit(batch), batch);
    // Only now, after COMMIT returned (the WAL is fsynced), may anyone hear "success".
    for (WriteRequest& request : batch) request.done(std::move(request.result));
    batch.clear();
    fold_when_due();
  }
}

// After the completions, so that no confirmation waits for a fold.
void SqliteStore::fold_when_due() {
  auto unfolded = writer_->unfolded_ops();
  if (!unfolded || *unfolded == 0 || *unfolded < fold_at_) return;
  if (writer_->fold()) {
    folds_committed_.fetch_add(1, std::memory_order_relaxed);
    fold_at_ = options_.fold_after_ops;
  } else {
    folds_failed_.fetch_add(1, std::memory_order_relaxed);
    // A full disk fails every try: wait for as many appends again, not one more batch.
    fold_at_ = *unfolded + std::max<std::uint64_t>(options_.fold_after_ops, 1);
  }
}

SqliteStoreStats SqliteStore::stats() const {
  SqliteStoreStats stats;
  counters_.read_into(stats);
  stats.folds_committed = folds_committed_.load(std::memory_order_relaxed);
  stats.folds_failed = folds_failed_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace tandem::store
