#include "store/document_store.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace tandem::store {

void DocumentStore::append_batch(std::string doc, std::vector<StoredOp> ops, Rebase /*rebase*/,
                                 Done<AppendOutcome> done) {
  if (ops.empty()) return done(AppendOutcome{});
  // Completions may run on any store thread; the last one reports the whole batch.
  struct Tally {
    std::mutex mutex;
    std::size_t left;
    std::optional<Error> first_error;
    AppendOutcome outcome;
    Done<AppendOutcome> done;
  };
  auto tally = std::make_shared<Tally>();
  tally->left = ops.size();
  tally->outcome.appended = ops;
  tally->done = std::move(done);
  for (StoredOp& op : ops) {
    append(doc, std::move(op), [tally](Result<void> result) {
      std::unique_lock lock(tally->mutex);
      if (!result.ok() && !tally->first_error) tally->first_error = result.error();
      if (--tally->left != 0) return;
      lock.unlock();
      if (tally->first_error) return tally->done(std::move(*tally->first_error));
      tally->done(std::move(tally->outcome));
    });
  }
}

void DocumentStore::heads(std::vector<std::string> /*docs*/,
                          Done<std::vector<std::uint64_t>> done) {
  done(Error{ErrorCode::kClosed, "this store has no head checks: only this process writes it"});
}

}  // namespace tandem::store
