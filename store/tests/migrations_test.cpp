// migrations_test.cpp — the shared migration set: placeholder rendering for both dialects, and the
// schema it produces in SQLite, inspected through a raw connection (constraints, defaults,
// cascades, the schema_migrations bookkeeping) since the Store interface does not expose them.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>
#include <stdexcept>
#include <string>

#include "store/migrations.hpp"
#include "store/store.hpp"
#include "store/tests/temp_dir.hpp"

namespace store {
namespace {

TEST(Migrations, EveryPlaceholderIsRenderedInBothDialects) {
  for (Dialect d : {Dialect::kSqlite, Dialect::kPostgres}) {
    EXPECT_EQ(schema_migrations_table(d).find("{{"), std::string::npos);
    int previous = 0;
    for (const auto& [version, sql] : migrations_for(d)) {
      EXPECT_GT(version, previous);
      previous = version;
      EXPECT_EQ(sql.find("{{"), std::string::npos) << sql;
    }
    EXPECT_GE(previous, 1);
  }
}

TEST(Migrations, DialectsGetTheirOwnSpelling) {
  const std::string sqlite = migrations_for(Dialect::kSqlite).front().second;
  const std::string postgres = migrations_for(Dialect::kPostgres).front().second;
  EXPECT_NE(sqlite.find("INTEGER PRIMARY KEY AUTOINCREMENT"), std::string::npos);
  EXPECT_EQ(sqlite.find("BYTEA"), std::string::npos);
  EXPECT_NE(postgres.find("BIGSERIAL PRIMARY KEY"), std::string::npos);
  EXPECT_NE(postgres.find("BYTEA"), std::string::npos);
  EXPECT_EQ(postgres.find("AUTOINCREMENT"), std::string::npos);
  EXPECT_EQ(postgres.find("strftime"), std::string::npos);
}

TEST(Migrations, RenderRejectsUnknownPlaceholders) {
  EXPECT_EQ(render(Dialect::kPostgres, "x {{BLOB}} y"), "x BYTEA y");
  EXPECT_THROW(render(Dialect::kSqlite, "{{NOPE}}"), std::logic_error);
  EXPECT_THROW(render(Dialect::kSqlite, "{{BLOB"), std::logic_error);
}

// A raw connection to the database a SqliteStore created, with foreign keys on like the store's.
class SqliteSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (dir_.path() / "weft.db").string();
    open_sqlite(path_);
    open_sqlite(path_);  // the second open must not re-apply anything
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db_), SQLITE_OK);
    exec("PRAGMA foreign_keys = ON");
  }
  void TearDown() override { sqlite3_close(db_); }

  // Runs constant test SQL; returns SQLite's result code.
  int exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

  // The first column of every row of `sql`, as text.
  std::vector<std::string> column(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
    std::vector<std::string> out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      out.emplace_back(value != nullptr ? value : "NULL");
    }
    sqlite3_finalize(stmt);
    return out;
  }
  std::string scalar(const char* sql) {
    auto values = column(sql);
    return values.size() == 1 ? values[0] : "<" + std::to_string(values.size()) + " rows>";
  }

  testing::TempDir dir_;
  std::string path_;
  sqlite3* db_ = nullptr;
};

TEST_F(SqliteSchema, RecordsEachMigrationOnce) {
  std::vector<std::string> expected;
  for (const auto& [version, sql] : migrations_for(Dialect::kSqlite)) {
    expected.push_back(std::to_string(version));
  }
  EXPECT_EQ(column("SELECT version FROM schema_migrations ORDER BY version"), expected);
}

TEST_F(SqliteSchema, HasTheDesignedTablesInWalMode) {
  const auto tables = column("SELECT name FROM sqlite_master WHERE type = 'table'");
  const std::set<std::string> names(tables.begin(), tables.end());
  for (const char* t : {"users", "documents", "document_members", "document_updates", "sessions",
                        "document_versions", "schema_migrations", "projects", "project_members",
                        "project_folders", "auth_sessions"}) {
    EXPECT_TRUE(names.count(t)) << t;
  }
  EXPECT_EQ(scalar("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteSchema, NewDocumentsGetTheDefaults) {
  ASSERT_EQ(exec("INSERT INTO documents (id) VALUES (1)"), SQLITE_OK);
  EXPECT_EQ(
      scalar("SELECT title || '|' || content || '|' || is_public || '|' || language || '|' || "
             "coalesce(owner_id, 'none') || '|' || coalesce(yjs_state, 'none') "
             "FROM documents"),
      "Untitled||0|plaintext|none|none");
  // ISO 8601 UTC with milliseconds, e.g. 2024-05-01T12:34:56.789Z.
  EXPECT_EQ(scalar("SELECT created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T"
                   "[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' FROM documents"),
            "1");
}

TEST_F(SqliteSchema, EnforcesUniquenessRolesAndForeignKeys) {
  ASSERT_EQ(exec("INSERT INTO users (id, username, email, password_hash) "
                 "VALUES (1, 'ann', 'ann@example.com', 'h')"),
            SQLITE_OK);
  EXPECT_NE(exec("INSERT INTO users (username, email, password_hash) VALUES ('ann', 'x', 'h')"),
            SQLITE_OK);
  EXPECT_NE(exec("INSERT INTO users (username, email, password_hash) "
                 "VALUES ('bob', 'ann@example.com', 'h')"),
            SQLITE_OK);
  ASSERT_EQ(exec("INSERT INTO documents (id, owner_id) VALUES (1, 1)"), SQLITE_OK);
  EXPECT_EQ(exec("INSERT INTO document_members VALUES (1, 1, 'editor')"), SQLITE_OK);
  EXPECT_NE(exec("INSERT INTO document_members VALUES (1, 1, 'viewer')"), SQLITE_OK);  // PK
  EXPECT_NE(exec("UPDATE document_members SET role = 'owner'"), SQLITE_OK);            // CHECK
  EXPECT_NE(exec("INSERT INTO document_updates (document_id, data) VALUES (2, x'00')"), SQLITE_OK);
  EXPECT_NE(exec("INSERT INTO document_updates (document_id, data) VALUES (1, NULL)"), SQLITE_OK);
}

TEST_F(SqliteSchema, DeletesCascade) {
  ASSERT_EQ(exec("INSERT INTO users (id, username, password_hash) VALUES (1, 'ann', 'h');"
                 "INSERT INTO users (id, username, password_hash) VALUES (2, 'bob', 'h');"
                 "INSERT INTO documents (id, owner_id) VALUES (1, 1);"
                 "INSERT INTO documents (id, owner_id) VALUES (2, NULL);"
                 "INSERT INTO document_members VALUES (2, 2, 'viewer');"
                 "INSERT INTO document_updates (document_id, data) VALUES (1, x'01'), (2, x'02');"
                 "INSERT INTO sessions (document_id, user_id, instance_id) VALUES (2, 2, 'i1');"
                 "INSERT INTO document_versions (document_id, kind, state_vector, fingerprint, "
                 "delta, size, users) VALUES (2, 'auto', x'00', x'01', x'02', 0, '2');"),
            SQLITE_OK)
      << sqlite3_errmsg(db_);
  // Deleting an owner deletes their documents and those documents' logs.
  ASSERT_EQ(exec("DELETE FROM users WHERE id = 1"), SQLITE_OK);
  EXPECT_EQ(scalar("SELECT group_concat(id) FROM documents"), "2");
  EXPECT_EQ(scalar("SELECT count(*) FROM document_updates WHERE document_id = 1"), "0");
  // Deleting a member drops the membership; the session keeps its row without the user.
  ASSERT_EQ(exec("DELETE FROM users WHERE id = 2"), SQLITE_OK);
  EXPECT_EQ(scalar("SELECT count(*) FROM document_members"), "0");
  EXPECT_EQ(scalar("SELECT coalesce(user_id, 'none') FROM sessions"), "none");
  // Deleting a document deletes its log, sessions and versions.
  ASSERT_EQ(exec("DELETE FROM documents WHERE id = 2"), SQLITE_OK);
  EXPECT_EQ(scalar("SELECT count(*) FROM document_updates"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM sessions"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM document_versions"), "0");
}

TEST_F(SqliteSchema, DocumentVersionsRequireTheirColumns) {
  ASSERT_EQ(exec("INSERT INTO documents (id) VALUES (1)"), SQLITE_OK);
  ASSERT_EQ(exec("INSERT INTO document_versions (document_id, kind, state_vector, fingerprint, "
                 "delta, size, users) VALUES (1, 'auto', x'', x'', x'', 0, '')"),
            SQLITE_OK);
  EXPECT_EQ(scalar("SELECT (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T"
                   "[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z') || coalesce(name, 'none') "
                   "FROM document_versions"),
            "1none");
  EXPECT_NE(exec("INSERT INTO document_versions (document_id, kind, state_vector, fingerprint, "
                 "delta, size, users) VALUES (2, 'auto', x'', x'', x'', 0, '')"),
            SQLITE_OK);  // no such document
  EXPECT_NE(exec("INSERT INTO document_versions (document_id, state_vector, fingerprint, delta, "
                 "size, users) VALUES (1, x'', x'', x'', 0, '')"),
            SQLITE_OK);  // kind is required
  EXPECT_EQ(scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                   "name = 'document_versions_document'"),
            "1");
}

}  // namespace
}  // namespace store
