// snapshot.hpp — `weft backup` and `weft restore` for SQLite: a consistent copy of a live Weft
// database taken with SQLite's online backup API, and the way back into an empty data directory.
// PostgreSQL is backed up with pg_dump / pg_restore (README, "Backups").
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace weft::backup {

// What the arguments got wrong (no such database, a target that is not empty, a file that is not
// a Weft database): the commands print it and exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SnapshotStats {
  int64_t pages = 0;      // pages copied (the database's size in pages)
  int64_t page_size = 0;  // bytes per page
  int steps = 0;          // sqlite3_backup_step calls
  double seconds = 0.0;   // wall time of the copy
};

// Copies the SQLite database at `source` (which a server may be using) to `target`: the copy is
// written to a temporary file next to `target`, checked (PRAGMA quick_check), synced and renamed
// over `target`, so `target` is either the previous file or the whole new copy. The copy is one
// snapshot: the source is read inside one read transaction, which in WAL mode neither waits for
// nor blocks the server's writers, `pages_per_step` pages at a time. Throws UsageError when
// `source` is not a Weft database, std::runtime_error when the copy fails.
SnapshotStats take_snapshot(const std::string& source, const std::string& target,
                            int pages_per_step = 256);

// Checks that `path` is an intact Weft SQLite database: PRAGMA integrity_check answers "ok" and
// it has the schema_migrations and documents tables. Throws UsageError naming what is wrong.
void verify_database_file(const std::string& path);

// Copies the backup `from` into `target` (the database file a server would open), which must not
// exist yet (nor its -wal); the directory is created if missing. `from` is verified first. The
// copy is written to a temporary file and renamed into place. Throws UsageError when `target`
// already has a database or `from` is not a Weft database.
SnapshotStats restore_snapshot(const std::string& from, const std::string& target);

}  // namespace weft::backup
