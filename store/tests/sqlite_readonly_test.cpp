// sqlite_readonly_test.cpp — store::open_sqlite_readonly, the open of tools such as `weft doc
// history`: it reads what a writer stored, also while the writer holds a write transaction, writes
// nothing, and refuses a missing file, a file that is not SQLite, an SQLite file without our
// schema, and a database that lacks a migration of this build.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "store/store.hpp"
#include "store/tests/temp_dir.hpp"

namespace store {
namespace {

Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

UpdateRow row(int64_t document_id, Bytes data) {
  return {document_id, std::make_shared<const Bytes>(std::move(data))};
}

class SqliteReadOnly : public ::testing::Test {
 protected:
  std::string path(const std::string& name = "weft.db") const {
    return (dir_.path() / name).string();
  }

  // A database with document 1 and two logged updates, closed again.
  std::string written() {
    auto s = open_sqlite(path());
    s->ensure_document(1);
    s->append_updates({row(1, bytes("a")), row(1, bytes("b"))});
    return path();
  }

  // The message of the StoreError that opening `file` read-only throws ("" when it opens).
  static std::string refusal(const std::string& file) {
    try {
      open_sqlite_readonly(file);
    } catch (const StoreError& e) {
      return e.what();
    }
    return "";
  }

  testing::TempDir dir_;
};

TEST_F(SqliteReadOnly, ReadsWhatAWriterStored) {
  auto s = open_sqlite_readonly(written());
  ASSERT_TRUE(s->document_exists(1));
  EXPECT_FALSE(s->document_exists(2));
  EXPECT_EQ(s->load(1)->updates, (std::vector<Bytes>{bytes("a"), bytes("b")}));
  std::string count;
  s->transact([&](Sql& sql) {
    count = *sql.exec("SELECT count(*) FROM document_updates WHERE document_id = $1", {int64_t{1}})
                 .at(0)
                 .values.at(0);
  });
  EXPECT_EQ(count, "2");
  EXPECT_TRUE(s->ping());
}

TEST_F(SqliteReadOnly, WritesFailAndChangeNothing) {
  auto s = open_sqlite_readonly(written());
  EXPECT_THROW(s->ensure_document(2), StoreError);
  EXPECT_THROW(s->append_updates({row(1, bytes("c"))}), StoreError);
  EXPECT_THROW(s->transact([](Sql& sql) { sql.exec("DELETE FROM document_updates", {}); }),
               StoreError);
  EXPECT_EQ(open_sqlite(path())->load(1)->updates.size(), 2u);
}

// The writer's transaction stays open until the reader is done: the reader (a transact() body, as
// History's reads are) must not wait for it.
TEST_F(SqliteReadOnly, ReadsWhileAWriterHoldsTheWriteLock) {
  auto writer = open_sqlite(written());
  auto reader = open_sqlite_readonly(path());
  auto logged = [&] {
    std::string count;
    reader->transact([&](Sql& sql) {
      count = *sql.exec("SELECT count(*) FROM document_updates", {}).at(0).values.at(0);
    });
    return count;
  };
  std::promise<void> in_transaction;
  std::promise<void> reader_done;
  std::thread holder([&] {
    writer->transact([&](Sql& sql) {
      sql.exec("INSERT INTO document_updates (document_id, data) VALUES ($1, $2)",
               {int64_t{1}, bytes("uncommitted")});
      in_transaction.set_value();
      reader_done.get_future().wait();
    });
  });
  in_transaction.get_future().wait();
  const auto start = std::chrono::steady_clock::now();
  std::string seen;
  try {
    seen = logged();
  } catch (const StoreError& e) {
    seen = e.what();
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  reader_done.set_value();
  holder.join();
  EXPECT_EQ(seen, "2") << "the reader sees the last committed state";
  EXPECT_LT(waited, std::chrono::seconds(2)) << "the reader did not wait for the writer";
  EXPECT_EQ(logged(), "3") << "and then the writer's commit";
}

TEST_F(SqliteReadOnly, RefusesWhatIsNotAWeftDatabase) {
  EXPECT_NE(refusal(path("missing.db")), "");
  EXPECT_FALSE(std::filesystem::exists(path("missing.db"))) << "nothing is created";

  std::ofstream(path("notes.txt")) << std::string(4096, 'x');
  EXPECT_NE(refusal(path("notes.txt")).find("not a Weft database"), std::string::npos)
      << refusal(path("notes.txt"));

  std::ofstream(path("empty.db")).flush();  // SQLite reads an empty file as an empty database
  EXPECT_NE(refusal(path("empty.db")).find("not a Weft database"), std::string::npos)
      << refusal(path("empty.db"));
}

TEST_F(SqliteReadOnly, RefusesADatabaseThatLacksAMigration) {
  {
    auto s = open_sqlite(written());
    s->transact([](Sql& sql) {
      sql.exec(
          "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM "
          "schema_migrations)",
          {});
    });
  }
  const std::string message = refusal(path());
  EXPECT_NE(message.find("lacks migration"), std::string::npos) << message;
}

}  // namespace
}  // namespace store
