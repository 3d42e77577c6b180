#pragma once

#include <cstdint>

#include "store/document_store.hpp"
#include "store/sqlite_connection.hpp"

namespace tandem::store {

// PRAGMA application_id of a Tandem database ("TAND"), so a foreign SQLite file is refused.
inline constexpr std::int64_t kApplicationId = 0x54414E44;

// The schema version (PRAGMA user_version) this binary creates and understands.
std::int64_t latest_schema_version();

// Applies every migration the database lacks, in order, in one transaction. Refuses a database
// written by a newer binary or one that is not a Tandem database (kCorrupt).
Result<void> migrate(Connection& connection);

}  // namespace tandem::store
