#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "store/document_store.hpp"

namespace tandem::store {

struct SnapshotWrite {
  Snapshot snapshot;
  std::optional<std::uint64_t> keep_ops_from;
};

// One queued append or snapshot, with the completion that reports how it ended.
struct WriteRequest {
  std::string doc;
  std::variant<StoredOp, SnapshotWrite> write;
  DocumentStore::Done<void> done;
  Result<void> result;  // filled in by the batch, reported after COMMIT
};

}  // namespace tandem::store
