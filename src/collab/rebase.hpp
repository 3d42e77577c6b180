#pragma once

#include "ot/limits.hpp"
#include "ot/op.hpp"
#include "store/document_store.hpp"

#include <memory>
#include <vector>

namespace tandem::collab {

// The store's rebase for a document's batch (DocumentStore::Rebase). `at_head` holds each op
// of the batch as of the batch's first version (before the batch's earlier ops); the rebase
// transforms each over the ops other nodes appended first (`foreign`), then over the batch's
// earlier ops as rebased, as one server would have. It refuses (kConflict) a batch with an op
// whose (client, seq) another node already appended (the document reloads and the client's
// resubmit is answered with the original version), and one without `at_head` when it must
// move. Pure; runs on a store thread.
store::Rebase make_rebase(ot::Limits limits, std::shared_ptr<const std::vector<ot::Op>> at_head);

}  // namespace tandem::collab
