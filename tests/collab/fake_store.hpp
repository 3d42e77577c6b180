#pragma once

#include "store/document_store.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::collab::test {

// The op logs of a shared store that several simulated nodes write (DESIGN.md §9), kept in
// memory, and the store calls they made that have not run yet. Nothing runs when it is called:
// the test decides when each call does its work and runs its completion, so every interleaving
// of nodes and documents is reachable and reproducible. Single-threaded: every method, and every
// node's FakeStore, is used from the test thread only.
class FakeStoreHub {
 public:
  struct Document {
    std::vector<store::StoredOp> log;  // every op ever appended, by version (pruned ones too)
    store::Snapshot snapshot;
    std::uint64_t oldest_retained = 0;  // read_ops and load see nothing before this one
    std::uint64_t head() const { return log.size(); }
  };

  // `shared`: several nodes append (append_batch rebases over what others appended); else a
  // store one process writes, which refuses a batch at a version other than the head.
  explicit FakeStoreHub(bool shared = true) : shared_(shared) {}

  bool shared() const { return shared_; }
  // Calls waiting to run, in the order they were made.
  std::size_t pending() const { return calls_.size(); }
  // Indexes (into the pending calls) of those that may run now: a node's calls for one
  // document run in the order it made them, as any store keeps them.
  std::vector<std::size_t> runnable() const;
  // Does the work of pending call `index` and runs its completion; with `fail`, does nothing
  // and completes with kIo.
  void run(std::size_t index, bool fail = false);
  // Runs the oldest pending call; false when there is none.
  bool run_first();
  // Runs the oldest runnable call `node` made of `kind` ("load", "read_ops", "append",
  // "append_batch", "heads", "save_snapshot"); false when there is none.
  bool run_next(std::size_t node, std::string_view kind, bool fail = false);
  // How many calls of `kind` `node` has waiting.
  std::size_t pending(std::size_t node, std::string_view kind) const;
  // Runs a random runnable call, failing it with probability fail_percent / 100.
  bool run_random(std::mt19937_64& random, int fail_percent);
  // Runs calls in order until none is left (completions may make more, through the loops).
  std::size_t run_all();

  const Document* document(const std::string& doc) const;
  // The text of the whole log replayed from the empty document (it must apply).
  std::string replay(const std::string& doc) const;
  std::uint64_t head(const std::string& doc) const;
  std::vector<std::string> documents() const;

  // Call counters, for tests that want to see a path taken.
  std::size_t batches_rebased = 0;
  std::size_t calls_failed = 0;
  std::size_t loads = 0;
  std::size_t reads = 0;

 private:
  friend class FakeStore;
  struct Call {
    std::size_t node;
    std::string kind;
    std::string key;  // the document (or a name of its own for heads)
    std::function<void(bool fail)> run;
  };
  void enqueue(std::size_t node, std::string kind, std::string key,
               std::function<void(bool fail)> run);

  bool shared_;
  std::map<std::string, Document> documents_;
  std::vector<Call> calls_;
};

// One node's connection to the shared FakeStoreHub.
class FakeStore final : public store::DocumentStore {
 public:
  FakeStore(FakeStoreHub& hub, std::size_t node) : hub_(hub), node_(node) {}

  void load(std::string doc, Done<store::LoadedDocument> done) override;
  void read_ops(std::string doc, std::uint64_t from, std::uint64_t to,
                Done<std::vector<store::StoredOp>> done) override;
  void append(std::string doc, store::StoredOp op, Done<void> done) override;
  void append_batch(std::string doc, std::vector<store::StoredOp> ops, store::Rebase rebase,
                    Done<store::AppendOutcome> done) override;
  void heads(std::vector<std::string> docs, Done<std::vector<std::uint64_t>> done) override;
  bool shared() const override { return hub_.shared(); }
  void save_snapshot(std::string doc, store::Snapshot snapshot,
                     std::optional<std::uint64_t> keep_ops_from, Done<void> done) override;
  void close() override {}

 private:
  FakeStoreHub& hub_;
  std::size_t node_;
};

}  // namespace tandem::collab::test
