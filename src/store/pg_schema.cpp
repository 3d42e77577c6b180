#include "store/pg_schema.hpp"

#include <string>
#include <utility>

#include "store/store_error.hpp"

namespace tandem::store {
namespace {

struct Migration {
  std::int64_t version;
  const char* sql;
};

// Append-only: a released migration is never edited (docs/store.md, "PostgreSQL").
// Names, clients, ops and texts are bytea: any byte string round-trips, NUL included.
constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE documents ("
     "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
     "  name bytea NOT NULL UNIQUE,"
     "  head bigint NOT NULL DEFAULT 0,"  // the version the next append must carry
     "  oldest_retained_version bigint NOT NULL DEFAULT 0,"
     "  snapshot_version bigint,"
     "  snapshot_text bytea"
     ");"
     "CREATE TABLE ops ("
     "  doc bigint NOT NULL REFERENCES documents (id),"
     "  version bigint NOT NULL,"
     "  client bytea NOT NULL,"
     "  seq bigint NOT NULL,"
     "  op bytea NOT NULL,"
     "  time_ms bigint NOT NULL,"
     "  PRIMARY KEY (doc, version),"
     "  UNIQUE (doc, client, seq)"
     ");"},
};

constexpr const char* kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "  version bigint PRIMARY KEY,"
    "  applied_at timestamptz NOT NULL DEFAULT now())";
constexpr const char* kSelectVersion =
    "SELECT coalesce(max(version), 0)::bigint FROM schema_version";
constexpr const char* kRecordVersion = "INSERT INTO schema_version (version) VALUES ($1)";

Result<void> migrate_locked(PgConnection& connection) {
  if (auto created = connection.exec(kCreateVersionTable, "create schema_version"); !created) {
    return created;
  }
  auto current = connection.query(kSelectVersion, PgParams{}, "read schema version");
  if (!current) return std::move(current).error();
  const std::int64_t version = current->int64(0, 0);
  if (version > latest_pg_schema_version()) {
    return make_error(ErrorCode::kCorrupt, "schema version " + std::to_string(version) +
                                               " is newer than this binary supports (" +
                                               std::to_string(latest_pg_schema_version()) +
                                               "); run a newer tandem or restore a backup");
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= version) continue;
    if (auto begun = connection.exec("BEGIN", "begin migration"); !begun) return begun;
    auto applied = connection.exec(migration.sql, "migrate");
    if (applied) {
      auto recorded = connection.query(kRecordVersion, PgParams{}.int64(migration.version),
                                       "record schema version");
      if (!recorded) applied = std::move(recorded).error();
    }
    if (!applied) {
      (void)connection.exec("ROLLBACK", "roll back migration");
      return applied;
    }
    if (auto committed = connection.exec("COMMIT", "commit migration"); !committed) {
      return committed;
    }
  }
  return {};
}

}  // namespace

std::int64_t latest_pg_schema_version() { return std::end(kMigrations)[-1].version; }

Result<void> migrate_pg(PgConnection& connection) {
  const std::string lock = "SELECT pg_advisory_lock(" + std::to_string(kPgMigrationLock) + ")";
  const std::string unlock = "SELECT pg_advisory_unlock(" + std::to_string(kPgMigrationLock) + ")";
  // Waits while another node migrates; the lock dies with a killed session.
  if (auto locked = connection.exec(lock.c_str(), "take the migration lock"); !locked) {
    return locked;
  }
  auto migrated = migrate_locked(connection);
  if (auto unlocked = connection.exec(unlock.c_str(), "release the migration lock");
      !unlocked && migrated) {
    return unlocked;
  }
  return migrated;
}

}  // namespace tandem::store
