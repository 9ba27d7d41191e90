// store.hpp — the persistence interface of the server: documents and their durable update log.
//
// The server appends every applied update to `document_updates` (in batches), loads a document as
// its merged state (`documents.yjs_state`) plus the updates logged since, and now and then compacts
// the log into the state. Adapters: sqlite/ (default, a file in the data directory) and postgres/
// (several instances sharing one database); both pass the same test suite (store/tests). Adapters
// know nothing about Yjs: merging is a function the caller passes to compact().
//
// Everything else (accounts.hpp: users, document metadata, members, sessions) is written once over
// transact(), a generic SQL primitive: one write transaction in which the caller runs parameterized
// statements. Statements are written once for both dialects, with `$1, $2, …` parameters and
// migrations.hpp's {{placeholders}}; values travel only as parameters, never in SQL text.
//
// Read replicas (PostgreSQL, --database-replica): read() runs a read-only body on a streaming
// replica when one is up, within the lag bound, and has replayed the caller's last write (a
// position from write_position(), the primary's WAL insert LSN after that write); on the primary
// otherwise. Adapters without replicas (SQLite) run it as transact(). See postgres/replicas.hpp.
//
// Thread safety: every method may be called from any thread; adapters serialize internally.
// Errors: adapters throw StoreError (connection lost, constraint violated, I/O), and Conflict when
// a unique constraint on a users field refuses a write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace store {

using Bytes = std::vector<uint8_t>;

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A unique constraint refused the write: `field` is "username" or "email", or "path" (a path of a
// project taken by a concurrent writer).
class Conflict : public StoreError {
 public:
  explicit Conflict(const std::string& field)
      : StoreError("conflict: " + field + " already taken"), field_(field) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// For adapters: the Conflict a unique violation stands for, from the database's message (which
// names the violated index, constraint or column); nullopt when it is not about a users field.
std::optional<Conflict> conflict_from_message(const std::string& message);

enum class Dialect { kSqlite, kPostgres };

// A statement parameter. Bytes go to BLOB / BYTEA columns; bool to BOOLEAN ones.
using SqlValue = std::variant<std::nullptr_t, int64_t, std::string, bool, Bytes>;

// One result row, every column as text as the database spells it (NULL as nullopt): integers in
// decimal, booleans "1"/"0" (SQLite) or "t"/"f" (PostgreSQL), timestamps as stored. Binary columns
// are not meant to be read this way (PostgreSQL would give their hex form); Store::load reads them.
struct SqlRow {
  std::vector<std::optional<std::string>> values;

  bool is_null(size_t i) const { return !values.at(i).has_value(); }
  // The readers below give "" / 0 / false for NULL; check is_null() where that matters. They
  // throw StoreError when the text is not of the type asked for.
  std::string text(size_t i) const { return values.at(i).value_or(std::string()); }
  int64_t int64(size_t i) const;
  bool boolean(size_t i) const;  // "t", "true" or "1" is true; "f", "false" or "0" false
  // A timestamp column as ISO 8601 UTC with milliseconds ("2026-11-25T17:30:35.123Z"), from
  // SQLite's TEXT ("2026-11-25T17:30:35.123Z") or PostgreSQL's TIMESTAMPTZ read in UTC
  // ("2026-11-25 17:30:35.123456+00", fraction trimmed or absent). "" for NULL.
  std::string timestamp(size_t i) const;
};

// Runs statements inside one Store::transact() call; valid only during that call.
class Sql {
 public:
  virtual ~Sql() = default;
  virtual Dialect dialect() const = 0;
  // Runs one statement (no ';'-separated lists) with `params` bound to $1, $2, … and returns its
  // rows (none for statements without a result or RETURNING). Throws Conflict on a unique
  // violation of a users field and StoreError on any other failure; the transaction is then lost,
  // so let the exception leave the transact() body.
  virtual std::vector<SqlRow> exec(const std::string& sql, const std::vector<SqlValue>& params) = 0;
};

struct StoredDocument {
  int64_t id = 0;
  std::optional<Bytes> yjs_state;  // merged state, absent until the first compaction
  std::vector<Bytes> updates;      // logged since, oldest first
};

struct UpdateRow {
  int64_t document_id;
  std::shared_ptr<const Bytes> data;
};

// Merges a stored state and the update log after it into one state and its plain text.
struct Merged {
  Bytes state;
  std::string content;
};
using Merger =
    std::function<Merged(const std::optional<Bytes>& state, const std::vector<Bytes>& updates)>;

// A connection pool's state (PostgreSQL); all zero for a store without one (SQLite).
struct PoolStats {
  size_t size = 0;     // connections the pool may hold
  size_t in_use = 0;   // lent out now
  size_t waiting = 0;  // threads waiting for one now
  uint64_t waits = 0;  // borrows that had to wait, since start
};

// Where read() calls went and the replicas' state (metrics); empty for a store without replicas.
struct ReadStats {
  struct Replica {
    bool up = false;            // answering, a standby, and checked recently
    double lag_seconds = -1.0;  // how far behind the primary it may be; -1 when unknown
  };
  std::vector<Replica> replicas{};
  uint64_t replica_reads = 0;  // read() calls a replica served
  uint64_t primary_reads = 0;  // read() calls that went to the primary (no replica fit)
};

class Store {
 public:
  virtual ~Store() = default;

  // Creates the documents row `id` if it does not exist (documents without an owner, until
  // accounts exist). Ids must be positive.
  virtual void ensure_document(int64_t id) = 0;
  virtual bool document_exists(int64_t id) = 0;
  // The document's state and log, or nullopt when there is no such document.
  virtual std::optional<StoredDocument> load(int64_t id) = 0;
  // Appends all rows in one transaction (all or nothing), in order.
  virtual void append_updates(const std::vector<UpdateRow>& rows) = 0;
  // In one transaction: reads the state and every logged update of `id`, merges them with
  // `merge`, stores the merged state and content (and updated_at), and deletes exactly the
  // updates it merged. Updates appended concurrently are not lost. Returns how many were merged.
  virtual size_t compact(int64_t id, const Merger& merge) = 0;
  // The plain-text snapshot `documents.content` (as of the last compaction).
  virtual std::optional<std::string> content(int64_t id) = 0;
  // True when the database answers (for /readyz).
  virtual bool ping() = 0;
  // Runs `body` in one write transaction and commits it; rolls back and rethrows when `body`
  // throws. Serialized with the other writers like every method here; keep the body short (no
  // waiting on anything but the database).
  virtual void transact(const std::function<void(Sql&)>& body) = 0;
  virtual PoolStats pool_stats() const { return {}; }

  // Runs `body` in a read-only transaction, on a replica that has replayed at least up to `after`
  // (0: any replica within the lag bound) or else on the primary. A body that writes fails (the
  // transaction is read-only). The body may run twice — on a replica that fails mid-way, then on
  // the primary — so it must be restartable: leave results by assignment, or fill them only after
  // its statements succeeded, never append to outside state between two statements.
  virtual void read(uint64_t after, const std::function<void(Sql&)>& body) {
    (void)after;
    transact(body);
  }
  // The position a read must wait for to see every write committed so far (PostgreSQL with
  // replicas: the primary's WAL insert LSN; 0 when there are no replicas to wait for).
  virtual uint64_t write_position() { return 0; }
  virtual ReadStats read_stats() const { return {}; }
};

// Read replicas of a PostgreSQL primary (--database-replica, --replica-max-lag-ms).
struct ReplicaOptions {
  std::vector<std::string> urls{};  // libpq connection strings, like the primary's
  int64_t max_lag_ms = 5000;        // a replica further behind than this serves no reads
  // Where the replicas' comings and goings are told (the store itself does not log): a replica
  // going down or lagging (warning), coming back or catching up (info). Messages name a replica
  // by position and host, never by its URL. Called from the monitor and reading threads.
  std::function<void(const std::string&)> warn{};
  std::function<void(const std::string&)> info{};
};

// Opens (creating if needed) the SQLite database at `path` in WAL mode and runs migrations.
std::unique_ptr<Store> open_sqlite(const std::string& path);

// Opens the existing SQLite database at `path` read-only, for tools that inspect a database
// (`weft doc history`), also while a server uses it: nothing is created, migrated or written, and
// transact() runs its body in a read transaction. Throws StoreError when the file is missing, is
// not a Weft database, or lacks a migration of this build (the queries assume the whole schema).
std::unique_ptr<Store> open_sqlite_readonly(const std::string& path);

// Connects to the PostgreSQL database at `url` (a libpq connection string: postgresql://… or
// key=value), keeping up to `pool_size` connections, and runs migrations. Throws StoreError when
// the database cannot be reached or migrated, or a replica URL is malformed (its message names
// the replica by position, never its password); a replica that is down is not an error (reads go
// to the primary until it answers).
std::unique_ptr<Store> open_postgres(const std::string& url, size_t pool_size,
                                     const ReplicaOptions& replicas = {});

}  // namespace store
