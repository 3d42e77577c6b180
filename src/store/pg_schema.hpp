#pragma once

#include <cstdint>

#include "store/document_store.hpp"
#include "store/pg_connection.hpp"

namespace tandem::store {

// The session-level advisory lock that serialises migrations of nodes starting at once.
inline constexpr std::int64_t kPgMigrationLock = 0x54414E44'00000001;  // "TAND", 1

// The schema version (the newest row of schema_version) this binary creates and understands.
std::int64_t latest_pg_schema_version();

// Applies every migration the database lacks, in order, each in its own transaction that also
// records its version, under pg_advisory_lock(kPgMigrationLock) so that nodes starting at once
// take turns and each migration runs exactly once. Refuses a schema newer than this binary
// (kCorrupt).
Result<void> migrate_pg(PgConnection& connection);

}  // namespace tandem::store
