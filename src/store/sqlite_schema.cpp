#include "store/sqlite_schema.hpp"

#include <array>
#include <string>

#include "store/store_error.hpp"

namespace tandem::store {
namespace {

struct Migration {
  std::int64_t version;  // user_version after this migration
  const char* sql;
};

// Append only: a released migration is never edited, a change is a new entry.
constexpr std::array kMigrations{
    Migration{1, R"sql(
      -- One row per document ever written; ops and snapshots refer to it by its small id.
      CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        oldest_retained_version INTEGER NOT NULL DEFAULT 0  -- ops below it were pruned
      ) STRICT;
      -- The op log. A rowid table on purpose: rows land in append order at the table's right
      -- edge, and only the two small indexes take one random insert per op (see docs/store.md).
      -- The primary key orders and dedupes versions; the unique key dedupes resubmits.
      CREATE TABLE ops (
        doc INTEGER NOT NULL REFERENCES documents (id),
        version INTEGER NOT NULL,
        client TEXT NOT NULL,
        seq INTEGER NOT NULL,
        op TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        PRIMARY KEY (doc, version),
        UNIQUE (doc, client, seq)
      ) STRICT;
      -- The newest snapshot of each document; an older one is replaced, never kept.
      CREATE TABLE snapshots (
        doc INTEGER PRIMARY KEY REFERENCES documents (id),
        version INTEGER NOT NULL,
        text TEXT NOT NULL
      ) STRICT;
      PRAGMA application_id = 1413566020;
    )sql"},
    Migration{2, R"sql(
      -- Without UNIQUE (doc, client, seq): exactly-once is checked by the document, over the
      -- ops since a submit's base (docs/store.md). That index took a random B-tree insert per
      -- op, about 40 % of the writer's time. SQLite cannot drop a constraint: rebuild.
      CREATE TABLE ops_v2 (
        doc INTEGER NOT NULL REFERENCES documents (id),
        version INTEGER NOT NULL,
        client TEXT NOT NULL,
        seq INTEGER NOT NULL,
        op TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        PRIMARY KEY (doc, version)
      ) STRICT;
      INSERT INTO ops_v2 (doc, version, client, seq, op, time_ms)
        SELECT doc, version, client, seq, op, time_ms FROM ops ORDER BY rowid;
      DROP TABLE ops;
      ALTER TABLE ops_v2 RENAME TO ops;
    )sql"},
    Migration{3, R"sql(
      -- Appends land here first and the writer folds them into ops in (doc, version) order
      -- (docs/store.md, "Two-level log"). With one op per document per commit, an insert into
      -- ops' primary key dirties one index page per op; this table stays small, so a commit
      -- touches few of its pages, and a fold writes each page of ops once for many ops.
      CREATE TABLE recent_ops (
        doc INTEGER NOT NULL REFERENCES documents (id),
        version INTEGER NOT NULL,
        client TEXT NOT NULL,
        seq INTEGER NOT NULL,
        op TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        PRIMARY KEY (doc, version)
      ) STRICT;
    )sql"},
};

static_assert(kApplicationId == 1413566020, "migration 1 writes kApplicationId literally");

Result<void> check_ownership(Connection& connection, std::int64_t version) {
  auto application_id = connection.query_int64("PRAGMA application_id");
  if (!application_id) return std::move(application_id).error();
  if (*application_id == kApplicationId) return {};
  if (version == 0 && *application_id == 0) {
    // A new file, or someone else's: only an empty database may become ours.
    auto objects = connection.query_int64("SELECT count(*) FROM sqlite_schema");
    if (!objects) return std::move(objects).error();
    if (*objects == 0) return {};
  }
  return make_error(ErrorCode::kCorrupt, connection.path() +
                                             ": not a Tandem database (application_id " +
                                             std::to_string(*application_id) + ", schema version " +
                                             std::to_string(version) + ")");
}

Result<void> migrate_in_transaction(Connection& connection) {
  auto version = connection.query_int64("PRAGMA user_version");
  if (!version) return std::move(version).error();
  if (*version > latest_schema_version()) {
    return make_error(ErrorCode::kCorrupt, connection.path() + ": database schema version " +
                                               std::to_string(*version) +
                                               " is newer than this binary supports (" +
                                               std::to_string(latest_schema_version()) +
                                               "); run a newer tandem or restore a backup");
  }
  if (auto owned = check_ownership(connection, *version); !owned) return owned;
  for (const Migration& migration : kMigrations) {
    if (migration.version <= *version) continue;
    const std::string what = "migrate to schema version " + std::to_string(migration.version);
    if (auto r = connection.exec(migration.sql, what); !r) return r;
  }
  const std::string set_version =
      "PRAGMA user_version = " + std::to_string(latest_schema_version());
  return connection.exec(set_version.c_str(), "set schema version");
}

}  // namespace

std::int64_t latest_schema_version() { return kMigrations.back().version; }

Result<void> migrate(Connection& connection) {
  if (auto begun = connection.exec("BEGIN IMMEDIATE", "begin migration"); !begun) return begun;
  auto migrated = migrate_in_transaction(connection);
  if (!migrated) {
    if (connection.in_transaction()) (void)connection.exec("ROLLBACK", "roll back migration");
    return migrated;
  }
  auto committed = connection.exec("COMMIT", "commit migration");
  if (!committed && connection.in_transaction()) (void)connection.exec("ROLLBACK", "roll back");
  return committed;
}

}  // namespace tandem::store
