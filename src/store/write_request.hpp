#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "store/document_store.hpp"

namespace tandem::store {

struct SnapshotWrite {
  Snapshot snapshot;
  std::optional<std::uint64_t> keep_ops_from;
};

// A document's whole batch (append_batch of a shared store): appended at the head, rebased over
// what others appended since its first version, or not at all.
struct BatchAppend {
  std::vector<StoredOp> ops;
  Rebase rebase;
  // Filled in by the batch writer; the request's completion reads it after COMMIT.
  std::shared_ptr<AppendOutcome> outcome;
};

// One queued append, snapshot or batch, with the completion that reports how it ended.
struct WriteRequest {
  std::string doc;
  std::variant<StoredOp, SnapshotWrite, BatchAppend> write;
  DocumentStore::Done<void> done;
  Result<void> result;  // filled in by the batch, reported after COMMIT
};

}  // namespace tandem::store
