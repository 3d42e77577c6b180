#include "fake_store.hpp"

#include "ot/apply.hpp"
#include "ot/op_json.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <utility>

namespace tandem::collab::test {

bool tracing();

namespace {

store::Error io_error() { return store::Error{store::ErrorCode::kIo, "injected I/O failure"}; }

store::Error conflict(std::string message) {
  return store::Error{store::ErrorCode::kConflict, std::move(message)};
}

bool in_log(const std::vector<store::StoredOp>& log, const store::StoredOp& op) {
  return std::any_of(log.begin(), log.end(), [&](const store::StoredOp& stored) {
    return stored.client == op.client && stored.seq == op.seq;
  });
}

}  // namespace

// ---- FakeStoreHub -------------------------------------------------------------------------

void FakeStoreHub::enqueue(std::size_t node, std::string kind, std::string key,
                           std::function<void(bool)> run) {
  calls_.push_back(Call{node, std::move(kind), std::move(key), std::move(run)});
}

bool FakeStoreHub::run_next(std::size_t node, std::string_view kind, bool fail) {
  for (std::size_t index : runnable()) {
    if (calls_[index].node == node && calls_[index].kind == kind) {
      run(index, fail);
      return true;
    }
  }
  return false;
}

std::size_t FakeStoreHub::pending(std::size_t node, std::string_view kind) const {
  return static_cast<std::size_t>(
      std::count_if(calls_.begin(), calls_.end(),
                    [&](const Call& call) { return call.node == node && call.kind == kind; }));
}

std::vector<std::size_t> FakeStoreHub::runnable() const {
  std::vector<std::size_t> out;
  std::set<std::pair<std::size_t, std::string>> blocked;
  for (std::size_t i = 0; i < calls_.size(); ++i) {
    if (blocked.emplace(calls_[i].node, calls_[i].key).second) out.push_back(i);
  }
  return out;
}

void FakeStoreHub::run(std::size_t index, bool fail) {
  Call call = std::move(calls_.at(index));
  calls_.erase(calls_.begin() + static_cast<std::ptrdiff_t>(index));
  if (fail) ++calls_failed;
  // The completion runs here, on the test thread: never inside a loop's handler, as a real
  // store's runs on its own thread.
  call.run(fail);
}

bool FakeStoreHub::run_first() {
  if (calls_.empty()) return false;
  run(0);
  return true;
}

bool FakeStoreHub::run_random(std::mt19937_64& random, int fail_percent) {
  const std::vector<std::size_t> ready = runnable();
  if (ready.empty()) return false;
  const std::size_t pick = ready[random() % ready.size()];
  const bool fail = fail_percent > 0 && static_cast<int>(random() % 100) < fail_percent;
  run(pick, fail);
  return true;
}

std::size_t FakeStoreHub::run_all() {
  std::size_t ran = 0;
  while (run_first()) ++ran;
  return ran;
}

const FakeStoreHub::Document* FakeStoreHub::document(const std::string& doc) const {
  auto found = documents_.find(doc);
  return found == documents_.end() ? nullptr : &found->second;
}

std::uint64_t FakeStoreHub::head(const std::string& doc) const {
  const Document* document = this->document(doc);
  return document == nullptr ? 0 : document->head();
}

std::vector<std::string> FakeStoreHub::documents() const {
  std::vector<std::string> out;
  for (const auto& [doc, document] : documents_) out.push_back(doc);
  return out;
}

std::string FakeStoreHub::replay(const std::string& doc) const {
  std::string text;
  const Document* document = this->document(doc);
  if (document == nullptr) return text;
  for (const store::StoredOp& stored : document->log) {
    auto op = ot::decode_op(stored.op_json);
    if (!op.ok()) throw std::runtime_error("stored op is unreadable: " + stored.op_json);
    auto applied = ot::apply(text, op.value());
    if (!applied.ok()) throw std::runtime_error("stored op does not apply: " + stored.op_json);
    text = std::move(applied.value());
  }
  return text;
}

// ---- FakeStore ----------------------------------------------------------------------------

void FakeStore::load(std::string doc, Done<store::LoadedDocument> done) {
  hub_.enqueue(node_, "load", doc, [this, doc, done = std::move(done)](bool fail) {
    if (tracing()) std::fprintf(stderr, "  store: node %zu load%s\n", node_, fail ? " FAILS" : "");
    if (fail) return done(io_error());
    ++hub_.loads;
    store::LoadedDocument loaded;
    if (const FakeStoreHub::Document* document = hub_.document(doc)) {
      loaded.snapshot = document->snapshot;
      loaded.ops.assign(
          document->log.begin() + static_cast<std::ptrdiff_t>(document->snapshot.version),
          document->log.end());
      loaded.oldest_retained_version = document->oldest_retained;
    }
    done(std::move(loaded));
  });
}

void FakeStore::read_ops(std::string doc, std::uint64_t from, std::uint64_t to,
                         Done<std::vector<store::StoredOp>> done) {
  hub_.enqueue(node_, "read_ops", doc, [this, doc, from, to, done = std::move(done)](bool fail) {
    if (tracing()) {
      std::fprintf(stderr, "  store: node %zu read_ops %llu..%llu%s\n", node_,
                   static_cast<unsigned long long>(from), static_cast<unsigned long long>(to),
                   fail ? " FAILS" : "");
    }
    if (fail) return done(io_error());
    ++hub_.reads;
    std::vector<store::StoredOp> ops;
    if (const FakeStoreHub::Document* document = hub_.document(doc)) {
      // Pruned ops are gone: the answer starts at `from` or is empty.
      if (from >= document->oldest_retained) {
        for (std::uint64_t v = from; v < std::min<std::uint64_t>(to, document->head()); ++v) {
          ops.push_back(document->log[v]);
        }
      }
    }
    done(std::move(ops));
  });
}

void FakeStore::append(std::string doc, store::StoredOp op, Done<void> done) {
  hub_.enqueue(
      node_, "append", doc, [this, doc, op = std::move(op), done = std::move(done)](bool fail) {
        if (fail) return done(io_error());
        FakeStoreHub::Document& document = hub_.documents_[doc];
        if (op.version != document.head()) {
          return done(conflict("version " + std::to_string(op.version) + " is not the head"));
        }
        if (in_log(document.log, op)) return done(conflict("(client, seq) is already in the log"));
        document.log.push_back(op);
        done(store::Result<void>{});
      });
}

void FakeStore::append_batch(std::string doc, std::vector<store::StoredOp> ops,
                             store::Rebase rebase, Done<store::AppendOutcome> done) {
  hub_.enqueue(node_, "append_batch", doc,
               [this, doc, ops = std::move(ops), rebase = std::move(rebase),
                done = std::move(done)](bool fail) mutable {
                 if (tracing()) {
                   std::string what;
                   for (const store::StoredOp& op : ops) {
                     what += " (" + op.client + "," + std::to_string(op.seq) + ")@" +
                             std::to_string(op.version);
                   }
                   std::fprintf(stderr, "  store: node %zu append_batch%s at head %llu%s\n", node_,
                                what.c_str(), static_cast<unsigned long long>(hub_.head(doc)),
                                fail ? " FAILS" : "");
                 }
                 if (fail) return done(io_error());
                 if (ops.empty()) return done(store::AppendOutcome{});
                 for (std::size_t i = 1; i < ops.size(); ++i) {
                   if (ops[i].version != ops[0].version + i)
                     return done(conflict("batch has a gap"));
                 }
                 FakeStoreHub::Document& document = hub_.documents_[doc];
                 const std::uint64_t first = ops.front().version;
                 const std::uint64_t head = document.head();
                 if (first > head) return done(conflict("the batch starts ahead of the head"));
                 if (first < document.oldest_retained)
                   return done(conflict("the batch starts before the kept log"));
                 store::AppendOutcome outcome;
                 if (first < head) {
                   if (!hub_.shared())
                     return done(conflict("version " + std::to_string(first) + " is taken"));
                   outcome.foreign.assign(document.log.begin() + static_cast<std::ptrdiff_t>(first),
                                          document.log.end());
                   auto rebased = rebase(outcome.foreign, std::move(ops));
                   if (!rebased.ok()) return done(rebased.error());
                   ops = std::move(rebased.value());
                   for (std::size_t i = 0; i < ops.size(); ++i) ops[i].version = head + i;
                   ++hub_.batches_rebased;
                 }
                 std::set<std::pair<std::string, std::uint64_t>> in_batch;
                 for (const store::StoredOp& op : ops) {
                   if (in_log(document.log, op) || !in_batch.emplace(op.client, op.seq).second) {
                     return done(conflict("(" + op.client + ", " + std::to_string(op.seq) +
                                          ") is already in the log"));
                   }
                 }
                 for (const store::StoredOp& op : ops) document.log.push_back(op);
                 outcome.appended = std::move(ops);
                 done(std::move(outcome));
               });
}

void FakeStore::heads(std::vector<std::string> docs, Done<std::vector<std::uint64_t>> done) {
  hub_.enqueue(node_, "heads", "\x01heads",
               [this, docs = std::move(docs), done = std::move(done)](bool fail) {
                 if (fail) return done(io_error());
                 std::vector<std::uint64_t> heads;
                 for (const std::string& doc : docs) heads.push_back(hub_.head(doc));
                 done(std::move(heads));
               });
}

void FakeStore::save_snapshot(std::string doc, store::Snapshot snapshot,
                              std::optional<std::uint64_t> keep_ops_from, Done<void> done) {
  hub_.enqueue(node_, "save_snapshot", doc,
               [this, doc, snapshot = std::move(snapshot), keep_ops_from,
                done = std::move(done)](bool fail) {
                 if (fail) return done(io_error());
                 FakeStoreHub::Document& document = hub_.documents_[doc];
                 if (snapshot.version > document.head())
                   return done(conflict("snapshot ahead of the log"));
                 if (snapshot.version > document.snapshot.version) document.snapshot = snapshot;
                 if (keep_ops_from) {
                   document.oldest_retained =
                       std::max(document.oldest_retained,
                                std::min(*keep_ops_from, document.snapshot.version));
                 }
                 done(store::Result<void>{});
               });
}

}  // namespace tandem::collab::test
