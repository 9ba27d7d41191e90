// sqlite_store.cpp — Store on the SQLite C API: WAL journal, one mutex-guarded connection, cached
// prepared statements.
//
// Durability. We promise that an update acknowledged by a flushed batch survives kill -9 of the
// process; power loss and kernel crashes are out of scope. In WAL mode a COMMIT has written the
// transaction's frames into the -wal file with write() before it returns, so they sit in the OS
// page cache, which outlives the process: the next open replays them. synchronous=NORMAL only
// defers the fsync to checkpoints, which can lose the newest commits on power loss but never
// corrupts the file. That meets the promise without an fsync per batch; if the promise ever grows
// to power loss, switch to synchronous=FULL (one WAL fsync per commit) in configure().
//
// Concurrency. Every public method takes mu_, so the connection is used by one thread at a time
// (opened with SQLITE_OPEN_NOMUTEX: our mutex replaces SQLite's). Other connections to the same
// file (another process, or a test's second store) are handled by SQLite's locks: writes start
// with BEGIN IMMEDIATE so they take the write lock up front and wait for it (busy timeout) instead
// of failing half-way on a lock upgrade; reads run in a deferred transaction for one snapshot.
//
// Read-only (open_sqlite_readonly, for `weft doc history`): SQLITE_OPEN_READONLY, none of the
// pragmas or migrations that write, and transact() bodies in a deferred (read) transaction, which
// in WAL mode reads one snapshot and neither waits for nor blocks a server writing the same file.
//
// SQL. Every statement that carries a value is prepared once and bound with parameters. Constant
// SQL without values (pragmas, DDL from migrations.cpp, BEGIN/COMMIT/ROLLBACK) goes through
// sqlite3_exec. The statements of transact() bodies (accounts.cpp) are written for both dialects
// with `$1, $2, …`; SQLite reads `$1` as a named parameter, so they are rewritten to `?1, ?2, …`
// (numbered, so `$1` used twice is one value) and cached by their text like the others.
//
// Unique violations of a users field become Conflict (store.hpp), wherever they happen.
#include "store/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "store/migrations.hpp"

namespace store {

std::unique_ptr<Store> open_sqlite(const std::string& path) {
  return std::make_unique<sqlite::SqliteStore>(path);
}

std::unique_ptr<Store> open_sqlite_readonly(const std::string& path) {
  return std::make_unique<sqlite::SqliteStore>(path, sqlite::SqliteStore::Mode::kReadOnly);
}

namespace sqlite {

namespace {

constexpr int kBusyTimeoutMs = 5000;

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw StoreError("sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    throw StoreError("sqlite: " + text);
  }
}

// A prepared statement, finalized on destruction. Holds exactly one SQL statement: text after the
// first one would be silently ignored by SQLite, so it is refused.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    const char* tail = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, &tail) != SQLITE_OK) {
      fail(db, std::string("prepare ") + sql);
    }
    for (; *tail != '\0'; ++tail) {
      if (std::isspace(static_cast<unsigned char>(*tail)) == 0 && *tail != ';') {
        sqlite3_finalize(stmt_);
        throw StoreError(std::string("sqlite: more than one statement in ") + sql);
      }
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  sqlite3* db() const { return db_; }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// One execution of a cached statement: bind, step through the rows, read columns. Resets the
// statement and clears its bindings on scope exit so the next use starts clean.
class Query {
 public:
  explicit Query(Statement& statement) : db_(statement.db()), stmt_(statement.get()) {}
  ~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(int index, std::nullptr_t) {
    check(sqlite3_bind_null(stmt_, index), "bind");
    return *this;
  }
  Query& bind(int index, int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value), "bind");
    return *this;
  }
  Query& bind(int index, bool value) { return bind(index, int64_t{value ? 1 : 0}); }
  Query& bind(int index, std::string_view text) {
    check(
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        "bind");
    return *this;
  }
  Query& bind(int index, const Bytes& bytes) {
    // A null pointer would bind SQL NULL, and an empty vector's data() may be null: an empty
    // blob must stay an empty blob.
    check(bytes.empty()
              ? sqlite3_bind_zeroblob(stmt_, index, 0)
              : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_STATIC),
          "bind");
    return *this;
  }

  // Advances to the next row; false when the statement is done.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
      if (auto conflict = conflict_from_message(sqlite3_errmsg(db_))) throw *conflict;
    }
    fail(db_, std::string("step ") + sqlite3_sql(stmt_));
  }
  // Runs a statement that returns no rows.
  void run() { step(); }

  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  Bytes blob(int column) const {
    // Pointer first, then size (the order SQLite documents); a zero-length blob has no pointer.
    const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    return data != nullptr ? Bytes(data, data + size) : Bytes{};
  }
  std::string text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    return data != nullptr ? std::string(data, static_cast<size_t>(size)) : std::string{};
  }
  // The current row, every column as text (SQLite converts numbers), NULL as nullopt.
  SqlRow row() const {
    SqlRow out;
    const int columns = sqlite3_column_count(stmt_);
    out.values.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (is_null(c)) {
        out.values.emplace_back(std::nullopt);
      } else {
        out.values.emplace_back(text(c));
      }
    }
    return out;
  }

 private:
  void check(int rc, std::string_view what) const {
    if (rc != SQLITE_OK) fail(db_, what);
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// A transaction that rolls back unless commit() was reached (e.g. when a merger or a statement
// throws). SQLite rolls some failed transactions back by itself, hence the autocommit check.
class Transaction {
 public:
  enum class Kind { kRead, kWrite };
  Transaction(sqlite3* db, Kind kind) : db_(db) {
    exec(db, kind == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  }
  ~Transaction() {
    if (sqlite3_get_autocommit(db_) == 0) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);  // nothing better to do on error
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit() { exec(db_, "COMMIT"); }

 private:
  sqlite3* db_;
};

// Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once,
// without the busy handler, when another connection is switching the same file at that moment
// (two processes opening a new database together). So retry until the busy timeout; once the
// file is in WAL mode the pragma is a no-op that no longer contends.
void switch_to_wal(sqlite3* db) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  std::string mode;
  auto read_mode = [](void* out, int, char** values, char**) {
    *static_cast<std::string*>(out) = values[0] != nullptr ? values[0] : "";
    return 0;
  };
  while (true) {
    const int rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", read_mode, &mode, nullptr);
    if (rc == SQLITE_OK) break;
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) {
      fail(db, "PRAGMA journal_mode = WAL");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (mode != "wal") {
    throw StoreError("sqlite: cannot switch to WAL mode (in-memory or read-only database?)");
  }
}

void check_id(int64_t id) {
  if (id <= 0) throw StoreError("sqlite: document id must be positive, got " + std::to_string(id));
}

// `$N` → `?N`. Our SQL has no '$' inside string literals, so no quoting needs to be understood.
std::string numbered_parameters(const std::string& sql) {
  std::string out = sql;
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '$' && out[i + 1] >= '0' && out[i + 1] <= '9') out[i] = '?';
  }
  return out;
}

// More distinct transact() statements than this means someone builds SQL from values; the cache
// is then dropped rather than grown without bound (accounts.cpp uses about 25).
constexpr size_t kMaxCachedStatements = 128;

}  // namespace

struct SqliteStore::Statements {
  explicit Statements(sqlite3* db)
      : insert_document(db, "INSERT INTO documents (id) VALUES (?) ON CONFLICT (id) DO NOTHING"),
        select_document(db, "SELECT yjs_state FROM documents WHERE id = ?"),
        select_content(db, "SELECT content FROM documents WHERE id = ?"),
        select_updates(db,
                       "SELECT id, data FROM document_updates WHERE document_id = ? ORDER BY id"),
        // A document deleted while its updates waited in a batch has nothing to log them for.
        insert_update(db,
                      "INSERT INTO document_updates (document_id, data) SELECT ?1, ?2 "
                      "WHERE EXISTS (SELECT 1 FROM documents WHERE id = ?1)"),
        update_document(db, render(Dialect::kSqlite,
                                   "UPDATE documents SET yjs_state = ?, content = ?, "
                                   "updated_at = {{NOW}} WHERE id = ?")
                                .c_str()),
        delete_updates(db, "DELETE FROM document_updates WHERE document_id = ? AND id <= ?"),
        ping(db, "SELECT count(*) FROM schema_migrations") {}

  // A transact() statement, prepared on first use and cached by its `$N` text.
  Statement& by_text(sqlite3* db, const std::string& sql) {
    if (auto it = by_text_.find(sql); it != by_text_.end()) return *it->second;
    if (by_text_.size() >= kMaxCachedStatements) by_text_.clear();
    auto statement = std::make_unique<Statement>(db, numbered_parameters(sql).c_str());
    return *by_text_.emplace(sql, std::move(statement)).first->second;
  }

  Statement insert_document;
  Statement select_document;
  Statement select_content;
  Statement select_updates;
  Statement insert_update;
  Statement update_document;
  Statement delete_updates;
  Statement ping;

 private:
  std::unordered_map<std::string, std::unique_ptr<Statement>> by_text_;
};

namespace {

// The Sql of one transact() call: the connection inside the caller's write transaction.
class SqliteSql final : public Sql {
 public:
  SqliteSql(sqlite3* db, SqliteStore::Statements& statements) : db_(db), statements_(statements) {}

  Dialect dialect() const override { return Dialect::kSqlite; }

  std::vector<SqlRow> exec(const std::string& sql, const std::vector<SqlValue>& params) override {
    Statement& statement = statements_.by_text(db_, sql);
    const int expected = sqlite3_bind_parameter_count(statement.get());
    if (static_cast<size_t>(expected) != params.size()) {
      throw StoreError("sqlite: " + std::to_string(params.size()) + " parameters for " +
                       std::to_string(expected) + " in " + sql);
    }
    Query query(statement);
    for (size_t i = 0; i < params.size(); ++i) {
      std::visit([&](const auto& value) { query.bind(static_cast<int>(i) + 1, value); }, params[i]);
    }
    std::vector<SqlRow> rows;
    while (query.step()) rows.push_back(query.row());
    return rows;
  }

 private:
  sqlite3* db_;
  SqliteStore::Statements& statements_;
};

}  // namespace

void SqliteStore::CloseDb::operator()(sqlite3* db) const { sqlite3_close(db); }

SqliteStore::SqliteStore(const std::string& path, Mode mode) : mode_(mode) {
  sqlite3* db = nullptr;
  const int flags = mode == Mode::kReadOnly
                        ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
                        : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  db_.reset(db);  // even on failure sqlite3_open_v2 usually returns a handle that must be closed
  if (rc != SQLITE_OK) {
    throw StoreError("sqlite: open " + path + ": " +
                     (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
  if (mode == Mode::kReadOnly) {
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    check_schema(path);
  } else {
    configure();
    migrate();
  }
  stmts_ = std::make_unique<Statements>(db_.get());
}

SqliteStore::~SqliteStore() = default;

void SqliteStore::configure() {
  sqlite3* db = db_.get();
  sqlite3_extended_result_codes(db, 1);
  // Waits (sleeping and retrying) for other connections' locks instead of failing at once.
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  switch_to_wal(db);
  exec(db, "PRAGMA synchronous = NORMAL");  // enough for kill -9: see the top of this file
  exec(db, "PRAGMA foreign_keys = ON");     // per connection; SQLite's default is off
  // Reads of the database file through a mapping instead of a pread and a copy per page: a
  // project's tree reads every row of its files (10,000 files: ~25 MB of pages), which was a third
  // of that route's time in syscalls and copies. The mapped pages are the kernel's page cache,
  // shared and reclaimable, not the server's own memory. Writes still go through the WAL.
  exec(db, "PRAGMA mmap_size = 1073741824");
}

void SqliteStore::migrate() {
  sqlite3* db = db_.get();
  exec(db, schema_migrations_table(Dialect::kSqlite));
  Statement applied(db, "SELECT 1 FROM schema_migrations WHERE version = ?");
  Statement record(db, "INSERT INTO schema_migrations (version) VALUES (?)");
  for (const auto& [version, sql] : migrations_for(Dialect::kSqlite)) {
    // Checked inside the write transaction, so two processes opening the same new file at once
    // apply each migration exactly once.
    Transaction tx(db, Transaction::Kind::kWrite);
    if (Query(applied).bind(1, int64_t{version}).step()) continue;
    exec(db, sql);
    Query(record).bind(1, int64_t{version}).run();
    tx.commit();
  }
}

// A read-only open writes nothing, so it cannot migrate: it refuses a file that is not SQLite, an
// SQLite file without our schema_migrations, and a database that lacks a migration of this build.
void SqliteStore::check_schema(const std::string& path) {
  sqlite3* db = db_.get();
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db, "SELECT version FROM schema_migrations", -1, &raw, nullptr);
  const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, &sqlite3_finalize);
  if (rc != SQLITE_OK) {
    throw StoreError(path + ": not a Weft database (" + sqlite3_errmsg(db) + ")");
  }
  std::vector<int> applied;
  int step = SQLITE_ROW;
  while ((step = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    applied.push_back(sqlite3_column_int(stmt.get(), 0));
  }
  if (step != SQLITE_DONE) fail(db, "read schema_migrations");
  for (const auto& [version, sql] : migrations_for(Dialect::kSqlite)) {
    if (std::find(applied.begin(), applied.end(), version) == applied.end()) {
      throw StoreError(path + ": the database lacks migration " + std::to_string(version) +
                       " of this weft (an older schema); run `weft serve` on it once to migrate");
    }
  }
}

void SqliteStore::ensure_document(int64_t id) {
  check_id(id);
  std::lock_guard lock(mu_);
  Query(stmts_->insert_document).bind(1, id).run();
}

bool SqliteStore::document_exists(int64_t id) {
  std::lock_guard lock(mu_);
  return Query(stmts_->select_document).bind(1, id).step();
}

std::optional<StoredDocument> SqliteStore::load(int64_t id) {
  std::lock_guard lock(mu_);
  Transaction tx(db_.get(), Transaction::Kind::kRead);
  StoredDocument doc;
  doc.id = id;
  {
    Query query(stmts_->select_document);
    if (!query.bind(1, id).step()) return std::nullopt;
    if (!query.is_null(0)) doc.yjs_state = query.blob(0);
  }
  Query query(stmts_->select_updates);
  query.bind(1, id);
  while (query.step()) doc.updates.push_back(query.blob(1));
  tx.commit();
  return doc;
}

void SqliteStore::append_updates(const std::vector<UpdateRow>& rows) {
  if (rows.empty()) return;
  std::lock_guard lock(mu_);
  Transaction tx(db_.get(), Transaction::Kind::kWrite);
  for (const auto& row : rows) {
    if (row.data == nullptr) throw StoreError("sqlite: append_updates: row without data");
    Query(stmts_->insert_update).bind(1, row.document_id).bind(2, *row.data).run();
  }
  tx.commit();
}

// The merger runs inside the write transaction and under mu_: other writers (in this process and
// in others) wait for it, which is what makes "delete exactly what was merged" hold. Compaction is
// rare and off the edit path, so the pause is acceptable.
size_t SqliteStore::compact(int64_t id, const Merger& merge) {
  std::lock_guard lock(mu_);
  Transaction tx(db_.get(), Transaction::Kind::kWrite);
  std::optional<Bytes> state;
  {
    Query query(stmts_->select_document);
    if (!query.bind(1, id).step()) return 0;
    if (!query.is_null(0)) state = query.blob(0);
  }
  std::vector<Bytes> updates;
  int64_t max_id = 0;
  {
    Query query(stmts_->select_updates);
    query.bind(1, id);
    while (query.step()) {
      max_id = query.int64(0);  // ascending, so the last one is the largest
      updates.push_back(query.blob(1));
    }
  }
  if (updates.empty()) return 0;

  const Merged merged = merge(state, updates);
  Query(stmts_->update_document).bind(1, merged.state).bind(2, merged.content).bind(3, id).run();
  Query(stmts_->delete_updates).bind(1, id).bind(2, max_id).run();
  // The write lock has been held since the SELECT, so nothing can have changed the log.
  if (static_cast<size_t>(sqlite3_changes64(db_.get())) != updates.size()) {
    throw StoreError("sqlite: compact: the update log changed during the transaction");
  }
  tx.commit();
  return updates.size();
}

std::optional<std::string> SqliteStore::content(int64_t id) {
  std::lock_guard lock(mu_);
  Query query(stmts_->select_content);
  if (!query.bind(1, id).step()) return std::nullopt;
  return query.text(0);
}

void SqliteStore::transact(const std::function<void(Sql&)>& body) {
  std::lock_guard lock(mu_);
  // Read-only: a read transaction (one snapshot), which neither waits for nor blocks a writer.
  Transaction tx(db_.get(),
                 mode_ == Mode::kReadOnly ? Transaction::Kind::kRead : Transaction::Kind::kWrite);
  SqliteSql sql(db_.get(), *stmts_);
  body(sql);
  tx.commit();
}

bool SqliteStore::ping() {
  std::lock_guard lock(mu_);
  try {
    return Query(stmts_->ping).step();
  } catch (const StoreError&) {
    return false;  // not ready is the answer, not an error
  }
}

}  // namespace sqlite
}  // namespace store
