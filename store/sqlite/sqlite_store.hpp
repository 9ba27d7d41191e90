// sqlite_store.hpp — the Store adapter for an embedded SQLite file (the default, one instance).
//
// One connection, guarded by one mutex: SQLite serializes writers to a database file anyway (one
// write transaction at a time, across connections and processes), so a pool would buy concurrent
// readers only, and our reads are short. See sqlite_store.cpp for the durability reasoning. Callers
// go through store::open_sqlite() (or open_sqlite_readonly() for offline tools such as
// `weft doc history`); the class is visible for tests and for main's wiring.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/store.hpp"

struct sqlite3;

namespace store::sqlite {

class SqliteStore final : public Store {
 public:
  // kReadWrite: opens or creates the database, switches it to WAL and runs the migrations.
  // kReadOnly (offline tools, open_sqlite_readonly): opens an existing database without writing
  // to it — no creation, no journal switch, no migrations — and checks that every migration of
  // this build has been applied; every write then fails with StoreError.
  enum class Mode { kReadWrite, kReadOnly };

  // Opens the database at `path` in `mode`. Throws StoreError when the file cannot be opened or
  // migrated, or (kReadOnly) is missing, is not a Weft database or has an older schema.
  explicit SqliteStore(const std::string& path, Mode mode = Mode::kReadWrite);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  void ensure_document(int64_t id) override;
  bool document_exists(int64_t id) override;
  std::optional<StoredDocument> load(int64_t id) override;
  void append_updates(const std::vector<UpdateRow>& rows) override;
  size_t compact(int64_t id, const Merger& merge) override;
  std::optional<std::string> content(int64_t id) override;
  bool ping() override;
  // Holds mu_ for the whole body: the body must not call back into this store.
  void transact(const std::function<void(Sql&)>& body) override;

  struct Statements;  // every prepared statement, defined in the .cpp

 private:
  struct CloseDb {
    void operator()(sqlite3* db) const;
  };

  void configure();
  void migrate();
  void check_schema(const std::string& path);

  Mode mode_;
  std::mutex mu_;  // guards db_ and every statement, including their error state
  // Declared before stmts_ so that the statements are finalized before the connection closes.
  std::unique_ptr<sqlite3, CloseDb> db_;
  std::unique_ptr<Statements> stmts_;
};

}  // namespace store::sqlite
