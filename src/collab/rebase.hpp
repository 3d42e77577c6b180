#pragma once

#include "ot/limits.hpp"
#include "ot/op.hpp"
#include "store/document_store.hpp"

#include <vector>

namespace tandem::collab {

// Two sequences of ops made against the same document version, each transformed over the
// other: `mine` to apply after `theirs`, and `theirs` to apply after `mine`. `theirs` came first
// in the log, so `mine` takes Side::kLeft as a late submit does, and both orders converge.
struct CrossedOps {
  std::vector<ot::Op> mine_after_theirs;
  std::vector<ot::Op> theirs_after_mine;
};
CrossedOps cross(std::vector<ot::Op> mine, std::vector<ot::Op> theirs);

// The store's rebase for a document's batch (DocumentStore::Rebase): decodes both sides,
// refuses a batch with an op whose (client, seq) another node already appended (the document
// reloads and the client's resubmit is answered with the original version), refuses a batch of
// several ops when there are foreign ops (kConflict: only a single op rebases to what its author
// applies), and returns the batch transformed to apply after `foreign`. Pure; runs on a store
// thread.
store::Rebase make_rebase(ot::Limits limits);

}  // namespace tandem::collab
