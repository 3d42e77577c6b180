#include "store/pg_store.hpp"

#include <deque>
#include <memory>
#include <utility>

#include "store/pg_batch_writer.hpp"
#include "store/pg_connection.hpp"
#include "store/pg_op_log_reader.hpp"
#include "store/pg_schema.hpp"
#include "store/store_error.hpp"

namespace tandem::store {

Result<std::unique_ptr<PgStore>> PgStore::open(PgStoreOptions options) {
  if (options.url.empty()) return make_error(ErrorCode::kIo, "no PostgreSQL URL given");
  if (options.max_batch_ops == 0) options.max_batch_ops = 1;
  auto write_connection = connect_pg_writer(options.url, options.response_timeout);
  if (!write_connection) return std::move(write_connection).error();
  if (auto migrated = migrate_pg(*write_connection); !migrated) {
    Error error = std::move(migrated).error();
    // Database errors already name the URL; a refused schema does not.
    if (error.code == ErrorCode::kCorrupt)
      error.message = redact_url(options.url) + ": " + error.message;
    return error;
  }
  auto read_connection = PgConnection::connect(options.url);
  if (!read_connection) return std::move(read_connection).error();
  read_connection->set_response_timeout(options.response_timeout);

  auto writer = std::make_unique<PgBatchWriter>(options.url, options.response_timeout,
                                                std::move(*write_connection));
  auto reader = std::make_unique<PgOpLogReader>(options.url, options.response_timeout,
                                                std::move(*read_connection));
  // The constructor is private so that every store comes from open(); make_unique cannot call it.
  return std::unique_ptr<PgStore>(
      new PgStore(std::move(options), std::move(writer), std::move(reader)));
}

PgStore::PgStore(PgStoreOptions options, std::unique_ptr<PgBatchWriter> writer,
                 std::unique_ptr<PgOpLogReader> reader)
    : options_(std::move(options)),
      writer_(std::move(writer)),
      reader_(std::move(reader)),
      reader_thread_(std::make_unique<TaskThread>()),
      writer_thread_([this] { run_writer(); }) {}

PgStore::~PgStore() { close(); }

void PgStore::close() {
  const std::lock_guard lock(close_mutex_);
  if (closed_) return;
  closed_ = true;
  // Both threads finish what was queued before they stop taking work.
  queue_.close();
  writer_thread_.join();
  reader_thread_->stop_and_join();
  reader_.reset();
  writer_.reset();
}

void PgStore::load(std::string doc, Done<LoadedDocument> done) {
  reader_thread_->post([this, doc = std::move(doc), done = std::move(done)](bool cancelled) {
    if (cancelled) return done(closed_error());
    done(reached(reader_->load(doc)));
  });
}

void PgStore::read_ops(std::string doc, std::uint64_t from, std::uint64_t to,
                       Done<std::vector<StoredOp>> done) {
  reader_thread_->post(
      [this, doc = std::move(doc), from, to, done = std::move(done)](bool cancelled) {
        if (cancelled) return done(closed_error());
        done(reached(reader_->read_ops(doc, from, to)));
      });
}

void PgStore::append(std::string doc, StoredOp op, Done<void> done) {
  write(WriteRequest{std::move(doc), std::move(op), std::move(done), {}});
}

void PgStore::append_batch(std::string doc, std::vector<StoredOp> ops, Rebase rebase,
                           Done<AppendOutcome> done) {
  auto outcome = std::make_shared<AppendOutcome>();
  auto report = [outcome, done = std::move(done)](Result<void> result) {
    if (!result) return done(std::move(result).error());
    done(std::move(*outcome));
  };
  write(WriteRequest{std::move(doc),
                     BatchAppend{std::move(ops), std::move(rebase), outcome},
                     std::move(report),
                     {}});
}

void PgStore::heads(std::vector<std::string> docs, Done<std::vector<std::uint64_t>> done) {
  reader_thread_->post([this, docs = std::move(docs), done = std::move(done)](bool cancelled) {
    if (cancelled) return done(closed_error());
    done(reached(reader_->heads(docs)));
  });
}

void PgStore::save_snapshot(std::string doc, Snapshot snapshot,
                            std::optional<std::uint64_t> keep_ops_from, Done<void> done) {
  write(WriteRequest{
      std::move(doc), SnapshotWrite{std::move(snapshot), keep_ops_from}, std::move(done), {}});
}

void PgStore::write(WriteRequest request) {
  if (!queue_.push(request)) request.done(closed_error());
}

void PgStore::run_writer() {
  std::deque<WriteRequest> batch;
  while (queue_.take(batch, options_.max_batch_ops)) {
    const bool committed = writer_->commit(batch);
    counters_.count(committed, batch);
    // A batch fails whole only when the database did not answer (every write then has kIo).
    reachability_.report(committed,
                         committed ? std::string_view() : batch.front().result.error().message);
    // Only now, after COMMIT returned (synchronous_commit on: the WAL is flushed), may anyone
    // hear "success".
    for (WriteRequest& request : batch) request.done(std::move(request.result));
    batch.clear();
  }
}

std::optional<std::string> PgStore::problem() {
  std::optional<std::string> last;
  {
    const std::lock_guard lock(probe_mutex_);
    last = probe_problem_;
    if (probing_) return last;
    probing_ = true;
  }
  reader_thread_->post([this](bool cancelled) {
    std::optional<std::string> found;
    if (cancelled) {
      found = "the document store is closed";
    } else if (auto answered = reader_->ping(); !answered) {
      found = answered.error().message;
    }
    if (!cancelled) reachability_.report(!found, found.value_or(""));
    const std::lock_guard lock(probe_mutex_);
    probe_problem_ = std::move(found);
    probing_ = false;
  });
  return last;
}

StoreStats PgStore::stats() const {
  StoreStats stats;
  counters_.read_into(stats);
  stats.reachable = reachability_.reachable();
  stats.outages = reachability_.outages();
  return stats;
}

}  // namespace tandem::store
