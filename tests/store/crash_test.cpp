// Kill -9 at random moments while a child process appends as fast as it can, then check that
// every op the child saw confirmed is on disk, intact, with contiguous versions.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <optional>
#include <random>
#include <semaphore>
#include <string>
#include <vector>

#include "store/sqlite_connection.hpp"
#include "store/sqlite_store.hpp"
#include "store_test_support.hpp"

namespace tandem::store {
namespace {

using test::load_sync;
using test::TempDir;

constexpr int kDocs = 6;
constexpr int kIterations = 24;
constexpr std::uint64_t kSnapshotEvery = 400;  // versions between snapshots of a document
constexpr std::uint64_t kRetainedOps = 150;    // ops kept before each snapshot
constexpr auto kMaxRunTime = std::chrono::milliseconds(160);
constexpr std::uint64_t kFoldAfterOps = 500;  // small, so that kills also land in folds

// What the child sends: op (doc, version) or snapshot (doc, version) is durable, or its store
// has committed `version` folds so far.
enum class Kind : std::uint32_t { kOp, kSnapshot, kFolds };
struct Record {
  std::uint32_t doc;
  Kind kind;
  std::uint64_t version;
};
static_assert(sizeof(Record) == 16 && sizeof(Record) <= PIPE_BUF, "pipe writes stay atomic");

std::string doc_name(std::uint32_t doc) { return "crash-doc-" + std::to_string(doc); }

// Sizes vary so that rows straddle pages and overflow pages.
StoredOp crash_op(const std::string& doc, std::uint64_t version) {
  StoredOp op = test::make_op(doc, version);
  op.op_json += std::string((version * 37) % 700, static_cast<char>('a' + version % 26));
  return op;
}

std::string snapshot_text(const std::string& doc, std::uint64_t version) {
  return "text of " + doc + " at " + std::to_string(version) +
         std::string(version % 300, static_cast<char>('A' + version % 26));
}

void send(int fd, const Record& record) {
  // Atomic and small, so a kill never leaves half a record; a full pipe just waits.
  if (write(fd, &record, sizeof record) != static_cast<ssize_t>(sizeof record)) _exit(4);
}

// The child: opens the store itself (no thread of the parent survives fork) and appends to
// every document in turn, reporting each confirmation only after its completion succeeded.
[[noreturn]] void run_child(const std::string& path, int fd) {
  SqliteStoreOptions options;
  options.path = path;
  options.fold_after_ops = kFoldAfterOps;
  auto opened = SqliteStore::open(options);
  if (!opened.ok()) _exit(2);
  SqliteStore& store = **opened;

  std::array<std::uint64_t, kDocs> next{};
  for (std::uint32_t d = 0; d < kDocs; ++d) {
    auto loaded = load_sync(store, doc_name(d));
    if (!loaded.ok()) _exit(2);
    next[d] = loaded->snapshot.version + loaded->ops.size();
  }

  std::counting_semaphore<2048> window(2048);  // a deep queue, but bounded memory
  std::uint64_t folds_reported = 0;            // only touched by completions, on the writer
  auto report_folds = [fd, &store, &folds_reported] {
    const std::uint64_t folds = store.stats().folds_committed;
    if (folds == folds_reported) return;
    folds_reported = folds;
    send(fd, Record{0, Kind::kFolds, folds});
  };
  for (int round = 0; round < 1000000; ++round) {
    for (std::uint32_t d = 0; d < kDocs; ++d) {
      const std::string doc = doc_name(d);
      const std::uint64_t version = next[d]++;
      window.acquire();
      store.append(doc, crash_op(doc, version),
                   [fd, d, version, &window, &report_folds](const Result<void>& r) {
                     if (!r.ok()) _exit(3);
                     send(fd, Record{d, Kind::kOp, version});
                     report_folds();
                     window.release();
                   });
      if ((version + 1) % kSnapshotEvery == 0) {
        const std::uint64_t at = version + 1;
        window.acquire();
        store.save_snapshot(doc, Snapshot{at, snapshot_text(doc, at)}, at - kRetainedOps,
                            [fd, d, at, &window](const Result<void>& r) {
                              if (!r.ok()) _exit(3);
                              send(fd, Record{d, Kind::kSnapshot, at});
                              window.release();
                            });
      }
    }
  }
  _exit(0);
}

struct Confirmed {
  std::array<std::int64_t, kDocs> last_op{};  // -1: none yet
  std::array<std::uint64_t, kDocs> last_snapshot{};
  std::size_t ops = 0;
  std::uint64_t folds_this_run = 0;  // reset for each child
  std::uint64_t folds = 0;           // summed over children
};

void take_records(std::string& buffer, Confirmed& confirmed) {
  std::size_t offset = 0;
  for (; offset + sizeof(Record) <= buffer.size(); offset += sizeof(Record)) {
    Record record{};
    std::memcpy(&record, buffer.data() + offset, sizeof record);
    ASSERT_LT(record.doc, static_cast<std::uint32_t>(kDocs));
    if (record.kind == Kind::kFolds) {
      confirmed.folds += record.version - confirmed.folds_this_run;
      confirmed.folds_this_run = record.version;
    } else if (record.kind == Kind::kSnapshot) {
      confirmed.last_snapshot[record.doc] =
          std::max(confirmed.last_snapshot[record.doc], record.version);
    } else {
      confirmed.last_op[record.doc] =
          std::max(confirmed.last_op[record.doc], static_cast<std::int64_t>(record.version));
      ++confirmed.ops;
    }
  }
  buffer.erase(0, offset);
}

// Reads the child's confirmations until `deadline`, or until end of file when it is null.
void drain(int fd, std::string& buffer, Confirmed& confirmed,
           std::optional<std::chrono::steady_clock::time_point> deadline) {
  std::array<char, 65536> chunk{};
  for (;;) {
    int timeout_ms = -1;
    if (deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      timeout_ms = static_cast<int>(left.count());
    }
    pollfd pfd{fd, POLLIN, 0};
    const int ready = poll(&pfd, 1, timeout_ms);
    if (ready == 0) return;
    if (ready < 0) continue;
    const ssize_t got = read(fd, chunk.data(), chunk.size());
    if (got == 0) return;  // the child is gone and the pipe is empty
    if (got < 0) continue;
    buffer.append(chunk.data(), static_cast<std::size_t>(got));
    take_records(buffer, confirmed);
  }
}

void verify(const std::string& path, const Confirmed& confirmed) {
  auto store = test::open_store(path);
  ASSERT_NE(store, nullptr);
  for (std::uint32_t d = 0; d < kDocs; ++d) {
    const std::string doc = doc_name(d);
    auto loaded = load_sync(*store, doc);  // also refuses gaps (kCorrupt)
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    const Snapshot& snapshot = loaded->snapshot;
    if (snapshot.version == 0) {
      EXPECT_EQ(snapshot.text, "");
    } else {
      EXPECT_EQ(snapshot.text, snapshot_text(doc, snapshot.version)) << doc;
    }
    EXPECT_GE(snapshot.version, confirmed.last_snapshot[d]) << doc << ": snapshot lost";
    EXPECT_LE(loaded->oldest_retained_version, snapshot.version);
    for (std::size_t i = 0; i < loaded->ops.size(); ++i) {
      ASSERT_EQ(loaded->ops[i], crash_op(doc, snapshot.version + i)) << doc;
    }
    const auto head = static_cast<std::int64_t>(snapshot.version + loaded->ops.size());
    EXPECT_GT(head, confirmed.last_op[d]) << doc << ": a confirmed op is missing";
    // The retained history is contiguous too, from the oldest retained version on.
    auto history = test::read_ops_sync(*store, doc, 0, snapshot.version);
    ASSERT_TRUE(history.ok());
    for (std::size_t i = 0; i < history->size(); ++i) {
      ASSERT_EQ((*history)[i], crash_op(doc, loaded->oldest_retained_version + i)) << doc;
    }
  }
  store->close();
  auto integrity = Connection::open(ConnectionSettings{path, true});
  ASSERT_TRUE(integrity.ok());
  auto check = integrity->statement("PRAGMA integrity_check");
  ASSERT_TRUE(check.ok());
  ASSERT_EQ((*check)->step(), SQLITE_ROW);
  EXPECT_EQ((*check)->column_text(0), "ok");
  (*check)->reset();
}

TEST(SqliteStoreCrashTest, KillNineLosesNoConfirmedOp) {
  TempDir dir;
  const std::string path = dir.db();
  std::mt19937 random(20240607);
  std::uniform_int_distribution<int> pick_ms(0, static_cast<int>(kMaxRunTime.count()));
  Confirmed confirmed;
  confirmed.last_op.fill(-1);

  // One database across all runs, so later children also recover from earlier kills.
  for (int iteration = 0; iteration < kIterations; ++iteration) {
    std::array<int, 2> fds{};
    ASSERT_EQ(pipe(fds.data()), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      run_child(path, fds[1]);
    }
    close(fds[1]);
    const auto run_for = std::chrono::milliseconds(pick_ms(random));
    const std::size_t before = confirmed.ops;
    confirmed.folds_this_run = 0;
    std::string buffer;
    drain(fds[0], buffer, confirmed, std::chrono::steady_clock::now() + run_for);
    kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "child exited by itself with status " << status;
    drain(fds[0], buffer, confirmed, std::nullopt);  // what it confirmed before dying
    close(fds[0]);
    EXPECT_TRUE(buffer.empty()) << "a record was torn";

    verify(path, confirmed);
    if (HasFatalFailure()) return;
    RecordProperty("iteration_" + std::to_string(iteration),
                   std::to_string(run_for.count()) + " ms, " +
                       std::to_string(confirmed.ops - before) + " confirmed ops");
  }
  EXPECT_GT(confirmed.ops, 0u);
  // The children folded too, so kills could land inside a fold. (Counting rows in ops would
  // not tell: pruning may since have deleted every folded op.)
  EXPECT_GT(confirmed.folds, 0u);
  RecordProperty("folds", std::to_string(confirmed.folds));
}

}  // namespace
}  // namespace tandem::store
