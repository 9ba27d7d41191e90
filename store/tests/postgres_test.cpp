// postgres_test.cpp — what only the PostgreSQL adapter has: the documents id sequence kept ahead of
// explicit ids, the schema as PostgreSQL sees it, reconnecting after the server drops a connection,
// sessions in UTC whatever the server or URL says, appends that skip a document deleted under
// them, a ping that answers within its deadline when the server cannot, and read() with replicas:
// WAL positions, malformed replica URLs, and a replica that is down sending reads to the primary
// (the real streaming replica is tests/cluster/replica.test.mjs's). The behaviour every
// adapter shares is in store_test.cpp. Tests that need a server skip without WEFT_TEST_POSTGRES_URL
// (tests/postgres/with-postgres.sh); the ping and connect-failure tests need none.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/accounts.hpp"
#include "store/migrations.hpp"
#include "store/postgres/probe.hpp"
#include "store/postgres/replicas.hpp"
#include "store/store.hpp"
#include "store/tests/postgres_test_database.hpp"

// libpqxx 6.4 leaks one PGresult when a statement fails because the connection broke: make_result()
// asks the dead connection for its encoding, which throws before the result is owned (fixed in
// libpqxx 7). ReconnectsAfterTheServerDropsTheConnection provokes exactly that, so LeakSanitizer
// (in the WEFT_SANITIZE build) is told to ignore leaks allocated by libpq's result constructor.
extern "C" const char* __lsan_default_suppressions() { return "leak:PQmakeEmptyPGresult\n"; }

namespace store {
namespace {

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::PostgresTestDatabase::server_url().empty()) {
      GTEST_SKIP()
          << "WEFT_TEST_POSTGRES_URL is not set; run under tests/postgres/with-postgres.sh";
    }
    db_ = std::make_unique<testing::PostgresTestDatabase>();
  }
  void TearDown() override {
    if (db_ != nullptr) db_->drop();
  }

  std::unique_ptr<Store> open(size_t pool_size = 4) { return open_postgres(db_->url(), pool_size); }

  // A connection of the test's own, beside the store's.
  pqxx::connection raw() { return pqxx::connection(db_->url()); }

  std::unique_ptr<testing::PostgresTestDatabase> db_;
};

// What the future document API will do: take the next id from the sequence.
int64_t insert_with_default_id(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  return tx.exec1("INSERT INTO documents DEFAULT VALUES RETURNING id")[0].as<int64_t>();
}

TEST_F(PostgresTest, DefaultIdsNeverCollideWithExplicitOnes) {
  auto s = open();
  auto conn = raw();
  s->ensure_document(5);
  EXPECT_EQ(insert_with_default_id(conn), 6);
  s->ensure_document(100);
  s->ensure_document(50);  // behind the sequence: must not move it back
  EXPECT_EQ(insert_with_default_id(conn), 101);
  s->ensure_document(101);  // exists already (made from the sequence): a no-op
  EXPECT_EQ(insert_with_default_id(conn), 102);
  EXPECT_TRUE(s->document_exists(50));
}

TEST_F(PostgresTest, ConcurrentExplicitIdsKeepTheSequenceAheadOfAll) {
  auto a = open();
  auto b = open();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Store& s = t % 2 == 0 ? *a : *b;
      for (int64_t id = 1 + t; id <= 200; id += 4) s.ensure_document(id);
    });
  }
  for (auto& t : threads) t.join();
  auto conn = raw();
  EXPECT_EQ(insert_with_default_id(conn), 201);
}

TEST_F(PostgresTest, SchemaIsMigratedOnceWithBinaryColumns) {
  open();
  open();
  auto conn = raw();
  pqxx::nontransaction tx(conn);
  std::set<int> applied;
  for (const auto& row : tx.exec("SELECT version FROM schema_migrations")) {
    applied.insert(row[0].as<int>());
  }
  std::set<int> expected;
  for (const auto& [version, sql] : migrations_for(Dialect::kPostgres)) expected.insert(version);
  EXPECT_EQ(applied, expected);
  const auto type_of = [&](const char* table, const char* column) {
    return tx
        .exec_params1(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = $1 AND column_name = $2",
            table, column)[0]
        .as<std::string>();
  };
  EXPECT_EQ(type_of("documents", "yjs_state"), "bytea");
  EXPECT_EQ(type_of("document_updates", "data"), "bytea");
  EXPECT_EQ(type_of("documents", "updated_at"), "timestamp with time zone");
}

TEST_F(PostgresTest, ReconnectsAfterTheServerDropsTheConnection) {
  auto s = open(1);
  s->ensure_document(1);
  {
    auto conn = raw();
    pqxx::nontransaction tx(conn);
    const auto killed = tx.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    ASSERT_GE(killed.size(), 1u);  // the store's pooled connection (and its probe's, if open)
  }
  // The first call may still find the dead connection (and report it); the one after reconnects.
  try {
    s->document_exists(1);
  } catch (const StoreError&) {
  }
  EXPECT_TRUE(s->document_exists(1));
  s->append_updates({{1, std::make_shared<const Bytes>(Bytes{1, 2, 3})}});
  EXPECT_EQ(s->load(1)->updates.size(), 1u);
  EXPECT_TRUE(s->ping());
}

// Timestamps are read back in UTC even when the connection would default to another zone (here
// set through the URL, as a server's or role's configuration could).
TEST_F(PostgresTest, SessionsReadTimestampsInUtc) {
  auto s = open_postgres(db_->url() + "?options=-c%20TimeZone%3DAmerica%2FNew_York", 2);
  Accounts accounts(*s);
  const User ann = accounts.create_user("ann", std::nullopt, "h");
  auto conn = raw();
  pqxx::nontransaction tx(conn);
  const std::string expected =
      tx.exec_params1(
            "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
            "FROM users WHERE id = $1",
            ann.id)[0]
          .as<std::string>();
  EXPECT_EQ(ann.created_at, expected);
  EXPECT_EQ(accounts.user(ann.id)->created_at, expected);
}

// An append whose document is being deleted by another transaction waits for it and, once the
// delete commits, skips the row instead of failing the batch on the foreign key.
TEST_F(PostgresTest, AppendSkipsADocumentDeletedConcurrently) {
  auto s = open();
  s->ensure_document(1);
  s->ensure_document(2);
  auto deleter = raw();
  pqxx::work del(deleter);
  del.exec0("DELETE FROM documents WHERE id = 1");  // holds the row lock until commit

  std::string error;
  std::thread appender([&] {
    try {
      s->append_updates({{2, std::make_shared<const Bytes>(Bytes{2})},
                         {1, std::make_shared<const Bytes>(Bytes{1})}});
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  // Wait (with a deadline) until the appender is blocked on the deleter's row lock.
  auto watcher = raw();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool waiting = false;
  while (!waiting && std::chrono::steady_clock::now() < deadline) {
    pqxx::nontransaction tx(watcher);
    waiting = !tx.exec(
                     "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
                     "AND wait_event_type = 'Lock'")
                   .empty();
  }
  del.commit();
  appender.join();
  ASSERT_TRUE(waiting) << "the append never waited for the delete";
  EXPECT_EQ(error, "");
  EXPECT_EQ(s->load(1), std::nullopt);
  EXPECT_EQ(s->load(2)->updates, std::vector<Bytes>{Bytes{2}});
}

TEST(PostgresReplicas, WalPositionsParseAndCompare) {
  EXPECT_EQ(postgres::parse_lsn("16/B374D848"), 0x16B374D848u);
  EXPECT_EQ(postgres::parse_lsn("0/0"), 0u);
  EXPECT_FALSE(postgres::parse_lsn("16-B374D848"));
  EXPECT_FALSE(postgres::parse_lsn("0/1x"));
  EXPECT_TRUE(postgres::lsn_reached(0x2000, 0x2000));
  EXPECT_FALSE(postgres::lsn_reached(0x1FF8, 0x2000));
  // An insert LSN just past a page header is reached by a replay that ended at the boundary.
  EXPECT_TRUE(postgres::lsn_reached(0x4000, 0x4018));
  EXPECT_FALSE(postgres::lsn_reached(0x3FF8, 0x4018));
  EXPECT_FALSE(postgres::lsn_reached(0x4000, 0x4100));
}

TEST(PostgresReplicas, AMalformedReplicaUrlIsAStoreErrorWithoutItsPassword) {
  for (const char* url :
       {"postgresql://weft:pw-secret@127.0.0.1:abc/weft",
        "postgresql://weft:pw-secret%zz@127.0.0.1/weft", "host=x password=pw-secret"}) {
    try {
      open_postgres("postgresql://postgres@127.0.0.1:1/weft", 1, {.urls = {url}});
      ADD_FAILURE() << url << " was accepted";
    } catch (const StoreError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("--database-replica #1"), std::string::npos) << what;
      EXPECT_EQ(what.find("pw-secret"), std::string::npos) << what;
    }
  }
}

TEST_F(PostgresTest, ReadsGoToThePrimaryWhileTheReplicaIsDown) {
  std::vector<std::string> warnings;
  std::mutex mu;
  auto store = open_postgres(db_->url(), 2,
                             {.urls = {"postgresql://postgres@127.0.0.1:1/weft"},
                              .max_lag_ms = 200,
                              .warn = [&](const std::string& m) {
                                std::lock_guard lock(mu);
                                warnings.push_back(m);
                              }});
  Accounts accounts(*store);
  const User u = accounts.create_user("reader", std::nullopt, "hash");
  EXPECT_GT(store->write_position(), 0u);
  std::string name;
  store->read(store->write_position(), [&](Sql& sql) {
    name = sql.exec("SELECT username FROM users WHERE id = $1", {u.id}).at(0).text(0);
  });
  EXPECT_EQ(name, "reader");
  // A read-only transaction, on the primary too.
  EXPECT_THROW(store->read(0, [](Sql& sql) { sql.exec("DELETE FROM users", {}); }), StoreError);
  const ReadStats stats = store->read_stats();
  ASSERT_EQ(stats.replicas.size(), 1u);
  EXPECT_FALSE(stats.replicas[0].up);
  EXPECT_EQ(stats.replica_reads, 0u);
  EXPECT_EQ(stats.primary_reads, 2u);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mu);
      if (!warnings.empty()) break;
    }
    std::this_thread::yield();
  }
  std::lock_guard lock(mu);
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE(warnings[0].find("replica 0 (127.0.0.1:1/weft) is down"), std::string::npos)
      << warnings[0];
}

TEST(PostgresConnect, UnreachableServerIsAStoreError) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  EXPECT_THROW(open_postgres("postgresql://postgres@127.0.0.1:1/weft", 2), StoreError);
  EXPECT_THROW(open_postgres("postgresql://127.0.0.1:1/weft", 0), StoreError);
}

// A TCP listener that never accepts: the kernel completes the handshake and acknowledges what the
// client sends, but no answer ever comes — a frozen server, as far as a client can tell.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd_, 8) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(PostgresProbe, AnswersFalseWithinItsDeadlineWhenTheServerNeverAnswers) {
  SilentListener silent;
  postgres::Probe probe("postgresql://postgres@127.0.0.1:" + std::to_string(silent.port()) + "/x",
                        std::chrono::milliseconds(300));
  for (int i = 0; i < 2; ++i) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(probe.ping());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  }
}

TEST(PostgresProbe, AnswersFalseAtOnceWhenNothingListens) {
  postgres::Probe probe("postgresql://postgres@127.0.0.1:1/x", std::chrono::seconds(5));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(probe.ping());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace store
