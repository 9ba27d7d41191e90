// backends.hpp — the databases that value-parameterized store suites run on (store_test.cpp,
// accounts_test.cpp).
//
// Each backend provides a fresh, empty database per test and a factory that opens a new connection
// to it (a new Store); calling the factory twice is how the tests simulate a restarted process or a
// second instance. Backends: SQLite (a file in a temp dir) and PostgreSQL (a database per test on
// the server named by WEFT_TEST_POSTGRES_URL, which tests/postgres/with-postgres.sh starts; without
// it the PostgreSQL tests are skipped). To add an adapter, write a Backend whose create() makes a
// fresh database and drop() removes it, and add it to all_backends() below.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "store/store.hpp"
#include "store/tests/postgres_test_database.hpp"
#include "store/tests/temp_dir.hpp"

namespace store::testing {

using StoreFactory = std::function<std::unique_ptr<Store>()>;

// One test's database.
struct TestDatabase {
  StoreFactory open;           // each call: a new connection to this database
  std::function<void()> drop;  // removes the database after the test
};

struct Backend {
  std::string name;
  std::function<TestDatabase()> create;
  // Why this backend cannot run here (empty: it can); the tests are then skipped with the reason.
  std::function<std::string()> unavailable = [] { return std::string(); };
};
inline void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

inline TestDatabase sqlite_database() {
  auto dir = std::make_shared<TempDir>();
  const std::string path = (dir->path() / "weft.db").string();
  return {.open = [path] { return open_sqlite(path); }, .drop = [dir]() mutable { dir.reset(); }};
}

// A database of its own on the test server (postgres_test_database.hpp), dropped after the test.
inline TestDatabase postgres_database() {
  auto db = std::make_shared<PostgresTestDatabase>();
  const std::string url = db->url();
  return {.open = [url] { return open_postgres(url, 4); }, .drop = [db] { db->drop(); }};
}

inline std::string postgres_unavailable() {
  return PostgresTestDatabase::server_url().empty()
             ? "WEFT_TEST_POSTGRES_URL is not set; run under tests/postgres/with-postgres.sh to "
               "test the PostgreSQL adapter"
             : "";
}

// For INSTANTIATE_TEST_SUITE_P(…, ::testing::ValuesIn(all_backends()), backend_name).
inline std::vector<Backend> all_backends() {
  return {Backend{"sqlite", sqlite_database},
          Backend{"postgres", postgres_database, postgres_unavailable}};
}
inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

// A fixture base: a fresh database of GetParam()'s backend per test, skipped when unavailable.
class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (const std::string why = GetParam().unavailable(); !why.empty()) GTEST_SKIP() << why;
    db_ = GetParam().create();
  }
  void TearDown() override {
    if (db_.drop) db_.drop();
  }

  std::unique_ptr<Store> open() { return db_.open(); }

  TestDatabase db_;
};

}  // namespace store::testing
