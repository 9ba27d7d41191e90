// postgres_test_database.hpp — a fresh PostgreSQL database for one test, dropped with it.
//
// The server is the one WEFT_TEST_POSTGRES_URL names (tests/postgres/with-postgres.sh starts one
// and sets it). Each instance creates a database with a name unique to this process and call,
// through an admin connection to the URL's own database, and drops it on destruction — WITH
// (FORCE), so connections left by a killed child process do not keep it alive. Database names
// cannot be bound as parameters, so they are quoted as identifiers (quote_name); they are ours
// anyway ("weft_t<pid>_<n>").
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <string>

namespace store::testing {

class PostgresTestDatabase {
 public:
  // The test server's URL, or "" when the PostgreSQL tests cannot run.
  static std::string server_url() {
    const char* url = getenv("WEFT_TEST_POSTGRES_URL");
    return url != nullptr ? url : "";
  }

  PostgresTestDatabase() {
    static std::atomic<int> counter = 0;
    name_ = "weft_t" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    admin("CREATE DATABASE ");
    url_ = with_database(server_url(), name_);
  }
  ~PostgresTestDatabase() {
    try {
      drop();
    } catch (...) {  // best effort: the database dies with the server anyway
    }
  }
  PostgresTestDatabase(const PostgresTestDatabase&) = delete;
  PostgresTestDatabase& operator=(const PostgresTestDatabase&) = delete;

  // A URL for this database: the server's URL with its database replaced.
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

  // Drops the database now (once); throws what the server answered.
  void drop() {
    if (dropped_) return;
    dropped_ = true;
    admin("DROP DATABASE IF EXISTS ", " WITH (FORCE)");
  }

 private:
  // `url` with its path (the database name) set to `database`; the query string is kept.
  static std::string with_database(const std::string& url, const std::string& database) {
    const size_t authority = url.find("://");
    const size_t start = authority == std::string::npos ? 0 : authority + 3;
    const size_t query = url.find('?', start);
    const size_t path = url.find('/', start);
    const size_t end = path < query ? path : query;
    std::string out = url.substr(0, end == std::string::npos ? url.size() : end) + "/" + database;
    if (query != std::string::npos) out += url.substr(query);
    return out;
  }

  // Runs `before` + the quoted database name + `after` on the admin connection, outside a
  // transaction (CREATE and DROP DATABASE cannot run inside one).
  void admin(const std::string& before, const std::string& after = "") const {
    pqxx::connection conn(server_url());
    pqxx::nontransaction tx(conn);
    tx.exec0(before + tx.quote_name(name_) + after);
  }

  std::string name_;
  std::string url_;
  bool dropped_ = false;
};

}  // namespace store::testing
