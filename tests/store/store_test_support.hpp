#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/document_store.hpp"
#include "store/sqlite_store.hpp"

namespace tandem::store::test {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tandem-store-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string db() const { return (path_ / "tandem.db").string(); }

 private:
  std::filesystem::path path_;
};

// Calls an asynchronous store function and waits for its completion.
template <typename T, typename Call>
Result<T> call_sync(Call&& call) {
  std::promise<Result<T>> promise;
  auto future = promise.get_future();
  std::forward<Call>(call)([&promise](Result<T> result) { promise.set_value(std::move(result)); });
  return future.get();
}

inline Result<void> append_sync(DocumentStore& store, const std::string& doc, StoredOp op) {
  return call_sync<void>([&](auto done) { store.append(doc, std::move(op), std::move(done)); });
}

inline Result<LoadedDocument> load_sync(DocumentStore& store, const std::string& doc) {
  return call_sync<LoadedDocument>([&](auto done) { store.load(doc, std::move(done)); });
}

inline Result<std::vector<StoredOp>> read_ops_sync(DocumentStore& store, const std::string& doc,
                                                   std::uint64_t from, std::uint64_t to) {
  return call_sync<std::vector<StoredOp>>(
      [&](auto done) { store.read_ops(doc, from, to, std::move(done)); });
}

inline Result<void> save_snapshot_sync(DocumentStore& store, const std::string& doc,
                                       Snapshot snapshot,
                                       std::optional<std::uint64_t> keep_ops_from) {
  return call_sync<void>([&](auto done) {
    store.save_snapshot(doc, std::move(snapshot), keep_ops_from, std::move(done));
  });
}

inline Result<AppendOutcome> append_batch_sync(DocumentStore& store, const std::string& doc,
                                               std::vector<StoredOp> ops, Rebase rebase) {
  return call_sync<AppendOutcome>([&](auto done) {
    store.append_batch(doc, std::move(ops), std::move(rebase), std::move(done));
  });
}

// The op of a test document at `version`: content derived from (doc, version) so any copy can
// be checked byte for byte.
inline StoredOp make_op(const std::string& doc, std::uint64_t version) {
  StoredOp op;
  op.version = version;
  op.client = "client-" + doc;
  op.seq = version + 1;
  op.op_json = "[" + std::to_string(version) + ",\"" + doc + "@" + std::to_string(version) + "\"]";
  op.time_ms = 1700000000000 + static_cast<std::int64_t>(version);
  return op;
}

inline std::unique_ptr<SqliteStore> open_store(
    const std::string& path, std::size_t max_batch_ops = 8192,
    std::uint64_t fold_after_ops = SqliteStoreOptions{}.fold_after_ops) {
  SqliteStoreOptions options;
  options.path = path;
  options.max_batch_ops = max_batch_ops;
  options.fold_after_ops = fold_after_ops;
  auto store = SqliteStore::open(options);
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  return store.ok() ? std::move(*store) : nullptr;
}

// Runs raw SQL on the file, bypassing the store (to damage or age a database on purpose).
inline void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message != nullptr ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

// One integer from raw SQL on the file, bypassing the store; -1 when there is no row.
inline std::int64_t raw_query_int(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
  std::int64_t value = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

}  // namespace tandem::store::test
