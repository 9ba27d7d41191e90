// projects_migration_test.cpp — a database made by the schema before projects (migrations 1–4)
// with users, documents, members, sessions, versions and logged updates is opened by this build,
// which applies migration 5: every document keeps its id, owner, members and access, opens with
// its text (state + log merged by crdt), stays out of every project, and projects work beside it.
// On SQLite (a raw sqlite3 connection writes the old database) and on PostgreSQL (a raw libpqxx
// one; skipped without WEFT_TEST_POSTGRES_URL).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <functional>
#include <map>
#include <memory>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <string>
#include <vector>

#include "crdt/doc.hpp"
#include "store/accounts.hpp"
#include "store/migrations.hpp"
#include "store/projects.hpp"
#include "store/store.hpp"
#include "store/tests/postgres_test_database.hpp"
#include "store/tests/temp_dir.hpp"

namespace store {
namespace {

constexpr int kProjectsMigration = 5;

// Runs constant SQL (possibly several statements) on the old database.
using RawExec = std::function<void(const std::string&)>;

std::string hex(const crdt::Bytes& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::string blob_literal(Dialect dialect, const crdt::Bytes& bytes) {
  return dialect == Dialect::kSqlite ? "x'" + hex(bytes) + "'"
                                     : "decode('" + hex(bytes) + "', 'hex')";
}

// Text edits as a client makes them: `edits` appended one update each, from a doc holding `base`.
std::vector<crdt::Bytes> typing(crdt::Doc& doc, const std::vector<std::string>& edits) {
  std::vector<crdt::Bytes> updates;
  for (const auto& e : edits) {
    const uint64_t at = doc.text_length("content");
    updates.push_back(doc.transact([&](crdt::Transaction& tr) {
      doc.insert_text(tr, "content", at, crdt::utf8_to_utf16(e));
    }));
  }
  return updates;
}

// The old schema and data, then this build's open: the checks of the file comment.
void migrate_and_check(Dialect dialect, const RawExec& exec,
                       const std::function<std::unique_ptr<Store>()>& open) {
  exec(schema_migrations_table(dialect));
  for (const auto& [version, sql] : migrations_for(dialect)) {
    if (version >= kProjectsMigration) break;
    exec(sql);
    exec("INSERT INTO schema_migrations (version) VALUES (" + std::to_string(version) + ")");
  }
  exec(
      "INSERT INTO users (id, username, email, password_hash) VALUES "
      "(1, 'ann', 'ann@example.com', 'h'), (2, 'bob', NULL, 'h'), (3, 'cat', NULL, 'h')");
  // Document 1: a compacted state plus a log after it. 2: only a log. 3: empty, public. 7: an id
  // that is not the next one, without owner.
  crdt::Doc one(11);
  const auto state_edits = typing(one, {"hello ", "wörld"});
  const crdt::Bytes state = one.encode_state_as_update();
  const auto log_one = typing(one, {"\nline 2", " 字"});
  crdt::Doc two(12);
  const auto log_two = typing(two, {"def f():\n", "    return 1\n"});
  exec(
      "INSERT INTO documents (id, title, content, yjs_state, owner_id, is_public, language) VALUES "
      "(1, 'one.txt', 'hello wörld', " +
      blob_literal(dialect, state) +
      ", 1, false, 'plaintext'), "
      "(2, 'two.py', '', NULL, 1, false, 'python'), "
      "(3, 'three.md', '', NULL, 2, true, 'markdown'), "
      "(7, 'seven', '', NULL, NULL, false, 'plaintext')");
  std::string log = "INSERT INTO document_updates (document_id, data) VALUES ";
  for (const auto& u : log_one) log += "(1, " + blob_literal(dialect, u) + "), ";
  for (const auto& u : log_two) log += "(2, " + blob_literal(dialect, u) + "), ";
  log.resize(log.size() - 2);
  exec(log);
  exec(
      "INSERT INTO document_members (document_id, user_id, role) VALUES (1, 2, 'editor'), "
      "(2, 2, 'viewer'), (3, 3, 'viewer')");
  exec("INSERT INTO sessions (document_id, user_id, instance_id) VALUES (1, 2, 'old')");
  exec(
      "INSERT INTO document_versions (document_id, kind, state_vector, fingerprint, delta, size, "
      "users) VALUES (1, 'auto', " +
      blob_literal(dialect, one.encode_state_vector()) + ", " +
      blob_literal(dialect, crdt::Bytes{1}) + ", " + blob_literal(dialect, state) + ", 11, '1')");
  if (dialect == Dialect::kPostgres) {
    // Explicit ids do not move PostgreSQL's sequences; the server's own inserts must not collide.
    exec("SELECT setval('users_id_seq', 3); SELECT setval('documents_id_seq', 7)");
  }

  auto store = open();
  Accounts accounts(*store);
  const std::map<int64_t, std::string> texts = {
      {1, "hello wörld\nline 2 字"}, {2, "def f():\n    return 1\n"}, {3, ""}, {7, ""}};
  for (const auto& [id, text] : texts) {
    const auto stored = store->load(id);
    ASSERT_TRUE(stored.has_value()) << id;
    crdt::Doc doc;
    if (stored->yjs_state) doc.apply_update(*stored->yjs_state);
    for (const auto& u : stored->updates) doc.apply_update(u);
    EXPECT_EQ(doc.text("content"), text) << "document " << id;
    const auto info = accounts.document(id).value();
    EXPECT_EQ(info.project_id, 0) << id;
    EXPECT_EQ(info.path, "") << id;
  }
  EXPECT_EQ(accounts.document(1)->title, "one.txt");
  EXPECT_EQ(accounts.document(2)->language, "python");
  EXPECT_EQ(accounts.document(7)->owner_id, 0);
  EXPECT_EQ(accounts.access(1, 1), Access::kOwner);
  EXPECT_EQ(accounts.access(1, 2), Access::kEditor);
  EXPECT_EQ(accounts.access(2, 2), Access::kViewer);
  EXPECT_EQ(accounts.access(2, 3), Access::kNone);
  EXPECT_EQ(accounts.access(3, 3), Access::kViewer);  // an explicit viewer of a public document
  EXPECT_EQ(accounts.access(3, 1), Access::kEditor);  // public
  ASSERT_EQ(accounts.members(1).size(), 1u);
  EXPECT_EQ(accounts.members(1)[0].username, "bob");
  EXPECT_EQ(accounts.documents_for(2).size(), 3u);  // 1 and 2 as a member, 3 as its owner
  EXPECT_EQ(accounts.open_sessions(1).size(), 1u);

  // Projects work on the migrated database, beside the old documents.
  Projects projects(*store);
  const auto project = projects.create_project(1, "new", false);
  const auto file = projects.create_file(project.id, {.path = "one.txt"}).value();
  EXPECT_GT(file.id, 7);
  EXPECT_EQ(projects.tree(project.id)->files.size(), 1u);
  EXPECT_EQ(accounts.documents_for(1).size(), 3u);  // 1, 2 and the public 3; not the file

  // Opening again applies nothing twice.
  store.reset();
  auto again = open();
  EXPECT_EQ(Accounts(*again).document(1)->title, "one.txt");
}

TEST(ProjectsMigration, OldSqliteDatabaseKeepsEveryDocument) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "weft.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const RawExec exec = [db](const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    const std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    ASSERT_EQ(rc, SQLITE_OK) << message << "\n" << sql;
  };
  exec("PRAGMA foreign_keys = ON");
  migrate_and_check(Dialect::kSqlite, exec, [&] {
    sqlite3_close(db);  // the old process is gone
    db = nullptr;
    return open_sqlite(path);
  });
  if (db != nullptr) sqlite3_close(db);
}

TEST(ProjectsMigration, OldPostgresDatabaseKeepsEveryDocument) {
  if (testing::PostgresTestDatabase::server_url().empty())
    GTEST_SKIP() << "WEFT_TEST_POSTGRES_URL is not set (tests/postgres/with-postgres.sh)";
  testing::PostgresTestDatabase database;
  {
    auto conn = std::make_shared<pqxx::connection>(database.url());
    const RawExec exec = [conn](const std::string& sql) {
      pqxx::nontransaction tx(*conn);
      tx.exec(sql);
    };
    migrate_and_check(Dialect::kPostgres, exec, [&] { return open_postgres(database.url(), 2); });
  }
  database.drop();
}

}  // namespace
}  // namespace store
