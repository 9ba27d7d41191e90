// backup_test.cpp — the SQLite backup and restore (snapshot.hpp) and the document checks
// (check.hpp) on real SQLite files: a backup in one-page steps finishes, and holds what was
// stored before it began, while another connection keeps writing; restore refuses what it must;
// check finds and repairs a content column that differs from the state.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "crdt/doc.hpp"
#include "server/backup/check.hpp"
#include "server/backup/snapshot.hpp"
#include "store/tests/temp_dir.hpp"

namespace {

using store::testing::TempDir;

crdt::Bytes type(crdt::Doc& doc, std::u16string_view text) {
  return doc.transact([&](crdt::Transaction& tr) {
    doc.insert_text(tr, "content", doc.text_length("content"), text);
  });
}

void append(store::Store& store, int64_t id, crdt::Bytes update) {
  store.append_updates({{id, std::make_shared<const crdt::Bytes>(std::move(update))}});
}

store::Merged merge(const std::optional<store::Bytes>& state,
                    const std::vector<store::Bytes>& updates) {
  crdt::Doc doc;
  if (state) doc.apply_update(*state);
  for (const auto& u : updates) doc.apply_update(u);
  return {doc.encode_state_as_update(), doc.text("content")};
}

size_t logged(store::Store& store, int64_t id) {
  const auto stored = store.load(id);
  return stored ? stored->updates.size() : 0;
}

TEST(Snapshot, FinishesInOnePageStepsWhileAnotherConnectionWrites) {
  TempDir dir;
  const std::string db = (dir.path() / "weft.db").string();
  auto store = store::open_sqlite(db);
  store->ensure_document(1);
  crdt::Doc doc;
  // Enough rows for many pages, so that the writer below lands between steps.
  for (int i = 0; i < 400; ++i) append(*store, 1, type(doc, u"line of text for some pages\n"));

  std::atomic<bool> stop = false;
  std::atomic<int> written = 0;
  std::thread writer([&] {
    auto other = store::open_sqlite(db);  // another connection, as the server's would be
    crdt::Doc d2;
    // Bounded, so that a backup that restarts on every write ends (and fails the step count)
    // instead of hanging.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (!stop && std::chrono::steady_clock::now() < deadline) {
      append(*other, 1, type(d2, u"x"));
      ++written;
    }
  });
  const std::string target = (dir.path() / "backup.db").string();
  weft::backup::SnapshotStats stats;
  while (written < 5) std::this_thread::yield();
  stats = weft::backup::take_snapshot(db, target, 1);
  stop = true;
  writer.join();

  EXPECT_GT(stats.steps, 10);
  EXPECT_LE(stats.steps, stats.pages + 1);  // no restart: one step per page (and maybe a last)
  EXPECT_GT(written.load(), 5);
  weft::backup::verify_database_file(target);
  auto copy = store::open_sqlite_readonly(target);
  EXPECT_GE(logged(*copy, 1), 405u);
  EXPECT_LE(logged(*copy, 1), 400u + static_cast<size_t>(written.load()));
}

TEST(Snapshot, RestoreRefusesAnExistingDatabaseAndFilesThatAreNotWeftDatabases) {
  TempDir dir;
  const std::string db = (dir.path() / "weft.db").string();
  {
    auto store = store::open_sqlite(db);
    store->ensure_document(7);
    crdt::Doc doc;
    append(*store, 7, type(doc, u"kept"));
  }
  const std::string backup = (dir.path() / "backup.db").string();
  weft::backup::take_snapshot(db, backup);

  EXPECT_THROW(weft::backup::restore_snapshot(backup, db), weft::backup::UsageError);
  const std::string garbage = (dir.path() / "garbage").string();
  std::ofstream(garbage) << std::string(5000, 'z');
  const std::string target = (dir.path() / "new" / "weft.db").string();
  EXPECT_THROW(weft::backup::restore_snapshot(garbage, target), weft::backup::UsageError);
  EXPECT_FALSE(std::filesystem::exists(target));

  weft::backup::restore_snapshot(backup, target);
  auto restored = store::open_sqlite(target);
  crdt::Doc doc;
  const auto stored = restored->load(7);
  ASSERT_TRUE(stored.has_value());
  for (const auto& u : stored->updates) doc.apply_update(u);
  EXPECT_EQ(doc.text("content"), "kept");
  EXPECT_THROW(weft::backup::restore_snapshot(backup, target), weft::backup::UsageError);
}

TEST(Check, FindsAndRepairsAContentColumnThatIsNotTheStatesText) {
  TempDir dir;
  auto store = store::open_sqlite((dir.path() / "weft.db").string());
  store->ensure_document(1);
  store->ensure_document(2);
  crdt::Doc doc;
  append(*store, 1, type(doc, u"hello"));
  store->compact(1, merge);
  append(*store, 1, type(doc, u" world"));  // logged after the state: not in content

  auto report = weft::backup::check_store(*store, false);
  EXPECT_EQ(report.documents, 2);
  EXPECT_EQ(report.updates, 1);
  EXPECT_TRUE(report.problems.empty()) << report.to_text();

  store->transact([](store::Sql& sql) {
    sql.exec("UPDATE documents SET content = 'tampered' WHERE id = 1", {});
  });
  report = weft::backup::check_store(*store, false);
  ASSERT_EQ(report.problems.size(), 1u) << report.to_text();
  EXPECT_EQ(report.problems[0].kind, "content_mismatch");
  EXPECT_EQ(report.problems[0].document_id, 1);
  EXPECT_EQ(report.remaining(), 1u);
  EXPECT_FALSE(report.to_json()["ok"].get<bool>());

  report = weft::backup::check_store(*store, true);
  EXPECT_EQ(report.remaining(), 0u);
  EXPECT_EQ(store->content(1), "hello");
  EXPECT_TRUE(weft::backup::check_store(*store, false).problems.empty());
}

}  // namespace
