// postgres_sql.hpp — the Sql of a transact() or read() body on PostgreSQL: statements of the
// shared SQL (accounts.cpp, projects.cpp, history.cpp) run inside a caller's libpqxx transaction.
//
// Values travel as text parameters (a bytea value as its '\x…' hex input form; the server infers
// types from where they are used); a unique violation of a users field becomes Conflict. Used by
// PostgresStore on the primary and by ReplicaSet on replicas, so that both run bodies alike.
#pragma once

#include <pqxx/transaction_base>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace store::postgres {

class PostgresSql final : public Sql {
 public:
  explicit PostgresSql(pqxx::transaction_base& tx) : tx_(tx) {}

  Dialect dialect() const override { return Dialect::kPostgres; }
  std::vector<SqlRow> exec(const std::string& sql, const std::vector<SqlValue>& params) override;

 private:
  pqxx::transaction_base& tx_;
};

}  // namespace store::postgres
