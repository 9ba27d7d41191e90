// postgres_store.cpp — Store on libpqxx 6.4: pooled connections, prepared statements, migrations
// under an advisory lock, compaction under a row lock.
//
// SQL. Every statement that carries a value is a prepared statement (kStatements, registered on
// each new connection and prepared by the server on first use) run with parameters; bytes travel as
// binary parameters (pqxx::binarystring), never escaped into SQL text. Only constant SQL without
// values — the DDL of migrations.cpp — goes through exec(). The statements of transact() bodies
// (accounts.cpp) are shared with SQLite and go through exec_params: values are parameters there
// too, in text format (a bytea value as its '\x…' hex input form), and the server infers their
// types from where they are used. Unique violations of a users field become Conflict (store.hpp).
//
// Time zone. Every connection sets its session TimeZone to UTC when it is opened, so TIMESTAMPTZ
// values read back as "…+00", which SqlRow::timestamp() turns into ISO 8601.
//
// Migrations. Each migration runs in its own transaction that first takes
// pg_advisory_xact_lock(kMigrationsLock), then checks schema_migrations, applies and records it.
// Instances starting together on a new database queue on the lock and apply every version once.
// Creating schema_migrations takes the lock too: two concurrent CREATE TABLE IF NOT EXISTS can
// still collide in PostgreSQL (a unique violation in pg_type).
//
// Compaction. One read-committed transaction: lock the document row (FOR NO KEY UPDATE, so two
// compactors of one document, in any instance, run one after the other), then take the log with
// one `DELETE … RETURNING` and merge what it returned. Deleting and reading in one statement is
// what keeps "delete exactly the updates merged" true here: log ids come from a sequence when a row
// is inserted, not when it commits, so a slower appender can commit id 100 after id 101 was read;
// a later `DELETE … WHERE id <= 101` would then drop 100 unmerged. The row lock is NO KEY UPDATE,
// not UPDATE, because appenders hold KEY SHARE on the same row (their foreign key) and must not
// wait for a compaction. If the merger throws, the transaction rolls back and the log is intact.
//
// Document ids. ensure_document inserts explicit ids, which the documents id sequence does not see;
// documents created later with DEFAULT ids (by a future API) would then collide. So whenever it
// actually inserts a row, it moves the sequence forward to at least that id, under the advisory
// lock kDocumentIdsLock (setval is not transactional, and a read-then-set by two callers at once
// could move it backwards). Accounts::create_document takes ids from the sequence without the
// lock: its nextval cannot move the sequence backwards, and an id that ensure_document inserted
// but has not yet pushed the sequence past makes that one create fail on the primary key.
//
// Timeouts. Unless the URL sets them, connections get connect_timeout (a server that is down or
// unreachable fails a borrow instead of hanging it) and TCP keepalives plus tcp_user_timeout (a
// connection whose server vanished mid-query errors out within ~30 s). ping() has its own deadline
// (probe.hpp).
//
// Text. PostgreSQL's text cannot hold U+0000 (libpq sends text parameters NUL-terminated), so a
// document whose plain text contains one gets its content snapshot cut there; yjs_state, the
// source of truth, is binary and exact.
#include "store/postgres/postgres_store.hpp"

#include <libpq-fe.h>

#include <array>
#include <pqxx/binarystring>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/prepared_statement>
#include <pqxx/result>
#include <pqxx/transaction>
#include <string_view>
#include <utility>
#include <variant>

#include "store/migrations.hpp"
#include "store/postgres/postgres_sql.hpp"

namespace store {

std::unique_ptr<Store> open_postgres(const std::string& url, size_t pool_size,
                                     const ReplicaOptions& replicas) {
  return std::make_unique<postgres::PostgresStore>(url, pool_size, replicas);
}

namespace postgres {

namespace {

constexpr auto kPingTimeout = std::chrono::seconds(3);
// Advisory lock keys ("weft" and a number): one database-wide lock each.
constexpr int64_t kMigrationsLock = 0x7765'6674'0000'0001;
constexpr int64_t kDocumentIdsLock = 0x7765'6674'0000'0002;

struct Statement {
  const char* name;
  std::string_view sql;  // may hold {{…}} placeholders of migrations.hpp
};

constexpr Statement kLock{"lock", "SELECT pg_advisory_xact_lock($1)"};
constexpr Statement kMigrationApplied{"migration_applied",
                                      "SELECT 1 FROM schema_migrations WHERE version = $1"};
constexpr Statement kRecordMigration{"record_migration",
                                     "INSERT INTO schema_migrations (version) VALUES ($1)"};
constexpr Statement kInsertDocument{
    "insert_document",
    "INSERT INTO documents (id) VALUES ($1) ON CONFLICT (id) DO NOTHING RETURNING id"};
// Moves the sequence to $1 when it is behind (pg_sequence_last_value is null before the first
// nextval), so that the next DEFAULT id is $1 + 1 or more.
constexpr Statement kAdvanceDocumentIds{"advance_document_ids", R"sql(
SELECT setval(pg_get_serial_sequence('documents', 'id')::regclass, $1::bigint)
WHERE $1::bigint > COALESCE(
  pg_sequence_last_value(pg_get_serial_sequence('documents', 'id')::regclass), 0))sql"};
constexpr Statement kSelectDocument{"select_document",
                                    "SELECT yjs_state FROM documents WHERE id = $1"};
constexpr Statement kLockDocument{
    "lock_document", "SELECT yjs_state FROM documents WHERE id = $1 FOR NO KEY UPDATE"};
constexpr Statement kSelectContent{"select_content", "SELECT content FROM documents WHERE id = $1"};
constexpr Statement kSelectUpdates{
    "select_updates", "SELECT data FROM document_updates WHERE document_id = $1 ORDER BY id"};
// Skips an update whose document is gone (deleted while the update waited in a batch). FOR KEY
// SHARE makes the check see a concurrent delete: it waits for it and, once it commits, finds no
// row, where a plain snapshot read would still see the row and the foreign key would then fail
// the whole batch. KEY SHARE is the lock the foreign key takes anyway; compaction does not block
// it.
constexpr Statement kInsertUpdate{"insert_update", R"sql(
INSERT INTO document_updates (document_id, data)
SELECT $1::bigint, $2::bytea
WHERE EXISTS (SELECT 1 FROM documents WHERE id = $1::bigint FOR KEY SHARE))sql"};
constexpr Statement kTakeUpdates{"take_updates", R"sql(
WITH taken AS (DELETE FROM document_updates WHERE document_id = $1 RETURNING id, data)
SELECT data FROM taken ORDER BY id)sql"};
constexpr Statement kUpdateDocument{
    "update_document",
    "UPDATE documents SET yjs_state = $1, content = $2, updated_at = {{NOW}} WHERE id = $3"};

constexpr std::array kStatements = {
    &kLock,           &kMigrationApplied, &kRecordMigration, &kInsertDocument, &kAdvanceDocumentIds,
    &kSelectDocument, &kLockDocument,     &kSelectContent,   &kSelectUpdates,  &kInsertUpdate,
    &kTakeUpdates,    &kUpdateDocument,
};

// The pool's Setup: runs on every new connection.
void set_up_connection(pqxx::connection& conn) {
  conn.set_variable("TimeZone", "'UTC'");  // kept by libpqxx across its own reconnects
  for (const Statement* s : kStatements) {
    conn.prepare(s->name, render(Dialect::kPostgres, std::string(s->sql)));
  }
}

template <typename... Args>
pqxx::result run(pqxx::transaction_base& tx, const Statement& statement, Args&&... args) {
  return tx.exec_prepared(statement.name, std::forward<Args>(args)...);
}

// Bytes as a binary parameter (binarystring copies them). An empty vector's data() may be null,
// which memcpy must not be given even for zero bytes, so an empty value points at a real byte.
pqxx::binarystring binary(const Bytes& bytes) {
  static constexpr uint8_t kNothing = 0;
  return bytes.empty() ? pqxx::binarystring(&kNothing, 0)
                       : pqxx::binarystring(bytes.data(), bytes.size());
}

Bytes bytes_of(const pqxx::field& field) {
  const pqxx::binarystring value(field);  // decodes PostgreSQL's hex text format
  return Bytes(value.begin(), value.end());
}

// Appends our client-side timeouts to a libpq connection string, except those it already sets.
std::string with_timeouts(const std::string& url) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kDefaults = {{
      {"connect_timeout", "5"},
      {"keepalives_idle", "10"},
      {"keepalives_interval", "5"},
      {"keepalives_count", "3"},
      {"tcp_user_timeout", "15000"},
  }};
  const bool uri = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
  std::string out = url;
  for (const auto& [key, value] : kDefaults) {
    if (url.find(std::string(key) + "=") != std::string::npos) continue;
    if (uri) {
      out += out.find('?') == std::string::npos ? '?' : '&';
    } else if (!out.empty()) {
      out += ' ';
    }
    out.append(key).append("=").append(value);
  }
  return out;
}

void check_id(int64_t id) {
  if (id <= 0) {
    throw StoreError("postgres: document id must be positive, got " + std::to_string(id));
  }
}

// Runs `body` with a borrowed connection and turns libpqxx's exceptions into StoreError; others
// (a merger's) pass through. A connection that broke is discarded, so the next borrow reconnects.
template <typename Body>
auto with_connection(ConnectionPool& pool, std::string_view what, Body&& body) {
  ConnectionPool::Lease lease = pool.borrow();
  try {
    return body(*lease);
  } catch (const pqxx::broken_connection& e) {
    lease.discard();
    throw StoreError("postgres: " + std::string(what) + ": connection lost: " + e.what());
  } catch (const pqxx::in_doubt_error& e) {
    lease.discard();  // the connection broke during COMMIT
    throw StoreError("postgres: " + std::string(what) + ": " + e.what());
  } catch (const pqxx::pqxx_exception& e) {
    if (!lease->is_open()) lease.discard();
    throw StoreError("postgres: " + std::string(what) + ": " + e.base().what());
  }
}

// The password of a libpq connection string as written in it (URI userinfo or password=), for
// scrubbing libpq's messages, which may quote the string they could not parse.
std::string written_password(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t end = url.find_first_of("/?", start);
    const std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
    const size_t at = authority.rfind('@');
    if (at == std::string::npos) return {};
    const size_t colon = authority.find(':');
    return colon < at ? authority.substr(colon + 1, at - colon - 1) : std::string();
  }
  const size_t key = url.find("password");
  if (key == std::string::npos) return {};
  size_t v = url.find('=', key);
  if (v == std::string::npos) return {};
  ++v;
  while (v < url.size() && url[v] == ' ') ++v;
  const bool quoted = v < url.size() && url[v] == '\'';
  if (quoted) ++v;
  const size_t end = url.find(quoted ? '\'' : ' ', v);
  return url.substr(v, end == std::string::npos ? end : end - v);
}

std::string scrubbed(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

// "replica 0 (127.0.0.1:5433/weft)": how logs and errors name --database-replica number `i`.
// Throws StoreError, without the password, when libpq cannot parse the string or its port is not
// a number.
std::string describe_replica(size_t i, const std::string& url) {
  const std::string which = "--database-replica #" + std::to_string(i + 1);
  const bool uri = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
  if (!uri) throw StoreError(which + ": expected a postgresql:// URL");
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string reason = error != nullptr ? error : "cannot parse it";
    PQfreemem(error);
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    throw StoreError(which + " is malformed: " + scrubbed(reason, written_password(url)));
  }
  std::string host = "localhost";
  std::string port = "5432";
  std::string dbname;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    const std::string_view key = o->keyword;
    if (key == "host" || key == "hostaddr") host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  if (port.empty() || port.find_first_not_of("0123456789,") != std::string::npos) {
    throw StoreError(which + " is malformed: the port is not a number");
  }
  return "replica " + std::to_string(i) + " (" + host + ":" + port + "/" + dbname + ")";
}

}  // namespace

PostgresStore::PostgresStore(const std::string& url, size_t pool_size,
                             const ReplicaOptions& replicas)
    : pool_(with_timeouts(url), pool_size, set_up_connection),
      probe_(with_timeouts(url), kPingTimeout) {
  // Malformed replica URLs fail before anything connects; a replica that is down does not.
  std::vector<ReplicaSet::Replica> members;
  for (size_t i = 0; i < replicas.urls.size(); ++i) {
    members.push_back({with_timeouts(replicas.urls[i]), describe_replica(i, replicas.urls[i])});
  }
  migrate();
  if (!members.empty()) {
    replicas_ =
        std::make_unique<ReplicaSet>(with_timeouts(url), std::move(members), pool_size, replicas);
  }
}

PostgresStore::~PostgresStore() = default;

void PostgresStore::migrate() {
  with_connection(pool_, "migrate", [](pqxx::connection& conn) {
    {
      pqxx::work tx(conn);
      run(tx, kLock, kMigrationsLock);
      tx.exec0(schema_migrations_table(Dialect::kPostgres));
      tx.commit();
    }
    for (const auto& [version, sql] : migrations_for(Dialect::kPostgres)) {
      pqxx::work tx(conn);
      run(tx, kLock, kMigrationsLock);
      if (!run(tx, kMigrationApplied, version).empty()) continue;
      tx.exec0(sql);
      run(tx, kRecordMigration, version);
      tx.commit();
    }
  });
}

void PostgresStore::ensure_document(int64_t id) {
  check_id(id);
  with_connection(pool_, "ensure_document", [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    if (!run(tx, kInsertDocument, id).empty()) {
      run(tx, kLock, kDocumentIdsLock);
      run(tx, kAdvanceDocumentIds, id);
    }
    tx.commit();
  });
}

bool PostgresStore::document_exists(int64_t id) {
  return with_connection(pool_, "document_exists", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    return !run(tx, kSelectDocument, id).empty();
  });
}

// Repeatable read: the state and the log come from one snapshot, so a compaction committing
// between the two reads can neither hide updates nor show them twice.
std::optional<StoredDocument> PostgresStore::load(int64_t id) {
  return with_connection(pool_, "load",
                         [&](pqxx::connection& conn) -> std::optional<StoredDocument> {
                           pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(conn);
                           const pqxx::result document = run(tx, kSelectDocument, id);
                           if (document.empty()) return std::nullopt;
                           StoredDocument doc;
                           doc.id = id;
                           if (!document[0][0].is_null()) doc.yjs_state = bytes_of(document[0][0]);
                           for (const auto& row : run(tx, kSelectUpdates, id))
                             doc.updates.push_back(bytes_of(row[0]));
                           tx.commit();
                           return doc;
                         });
}

void PostgresStore::append_updates(const std::vector<UpdateRow>& rows) {
  if (rows.empty()) return;
  for (const auto& row : rows) {
    if (row.data == nullptr) throw StoreError("postgres: append_updates: row without data");
  }
  with_connection(pool_, "append_updates", [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    for (const auto& row : rows) run(tx, kInsertUpdate, row.document_id, binary(*row.data));
    tx.commit();
  });
}

size_t PostgresStore::compact(int64_t id, const Merger& merge) {
  return with_connection(pool_, "compact", [&](pqxx::connection& conn) -> size_t {
    pqxx::work tx(conn);
    const pqxx::result document = run(tx, kLockDocument, id);
    if (document.empty()) return 0;
    std::optional<Bytes> state;
    if (!document[0][0].is_null()) state = bytes_of(document[0][0]);
    std::vector<Bytes> updates;
    for (const auto& row : run(tx, kTakeUpdates, id)) updates.push_back(bytes_of(row[0]));
    if (updates.empty()) return 0;  // rolls back: nothing was taken

    const Merged merged = merge(state, updates);  // throws: the rollback puts the log back
    run(tx, kUpdateDocument, binary(merged.state), merged.content, id);
    tx.commit();
    return updates.size();
  });
}

std::optional<std::string> PostgresStore::content(int64_t id) {
  return with_connection(pool_, "content",
                         [&](pqxx::connection& conn) -> std::optional<std::string> {
                           pqxx::nontransaction tx(conn);
                           const pqxx::result r = run(tx, kSelectContent, id);
                           if (r.empty()) return std::nullopt;
                           return r[0][0].as<std::string>();
                         });
}

bool PostgresStore::ping() { return probe_.ping(); }

void PostgresStore::transact(const std::function<void(Sql&)>& body) {
  with_connection(pool_, "transact", [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    PostgresSql sql(tx);
    body(sql);
    tx.commit();
  });
}

// On the primary too the body runs read-only, so a read body that writes fails the same way
// whichever server it lands on.
void PostgresStore::read(uint64_t after, const std::function<void(Sql&)>& body) {
  if (replicas_ && replicas_->try_read(after, body)) return;
  if (replicas_) replicas_->count_primary_read();
  with_connection(pool_, "read", [&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    PostgresSql sql(tx);
    body(sql);
    tx.commit();
  });
}

// The insert position, not pg_current_wal_lsn() (the write position): with asynchronous commit
// the caller's commit record may still sit in the WAL buffers, behind the write position.
uint64_t PostgresStore::write_position() {
  if (!replicas_) return 0;
  return with_connection(pool_, "write_position", [](pqxx::connection& conn) -> uint64_t {
    pqxx::nontransaction tx(conn);
    const pqxx::result r = tx.exec("SELECT pg_current_wal_insert_lsn()::text");
    const auto lsn = parse_lsn(r.at(0).at(0).c_str());
    if (!lsn)
      throw StoreError("postgres: write_position: not an LSN: " + r[0][0].as<std::string>());
    return *lsn;
  });
}

ReadStats PostgresStore::read_stats() const { return replicas_ ? replicas_->stats() : ReadStats{}; }

}  // namespace postgres
}  // namespace store
