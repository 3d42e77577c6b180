#pragma once

#include <cstdint>

namespace tandem::store {

// Counters for /metrics and benchmarks, the same for every store; each is monotonic.
struct StoreStats {
  std::uint64_t batches_committed = 0;  // transactions committed: one fsync each
  std::uint64_t batches_failed = 0;     // rolled back; every write in them got kIo
  std::uint64_t writes_committed = 0;   // appends and snapshots confirmed
  std::uint64_t writes_refused = 0;     // kConflict
  std::uint64_t folds_committed = 0;    // recent_ops moved into ops (SQLite only)
  std::uint64_t folds_failed = 0;       // rolled back; the ops stayed in recent_ops (SQLite only)
  bool reachable = true;                // the database answers (PostgreSQL; SQLite: always)
  std::uint64_t outages = 0;            // times it stopped answering (PostgreSQL only)
};

}  // namespace tandem::store
