// postgres_store.hpp — the Store adapter for PostgreSQL (libpqxx 6.4), for several instances
// sharing one database.
//
// Unlike SQLite, PostgreSQL runs transactions from many connections in parallel, so the store keeps
// a pool of them (ConnectionPool, sized by --db-pool-size) and each call borrows one for its
// transaction; coordination between instances is the database's: row locks for compaction,
// advisory locks for migrations and document ids (see postgres_store.cpp). ping() goes through a
// separate Probe so that it answers within a deadline. With replicas (--database-replica), read()
// goes to a ReplicaSet first (replicas.hpp) and to the primary when no replica fits; ping() stays
// the primary's alone, since the primary serves every read a replica cannot. Callers go through
// store::open_postgres(); the class is visible for tests and for main's wiring.
#pragma once

#include <memory>
#include <string>

#include "store/postgres/connection_pool.hpp"
#include "store/postgres/probe.hpp"
#include "store/postgres/replicas.hpp"
#include "store/store.hpp"

namespace store::postgres {

class PostgresStore final : public Store {
 public:
  // `url` is a libpq connection string (postgresql://… URI or key=value list). Connects once and
  // runs the migrations; throws StoreError when that fails.
  PostgresStore(const std::string& url, size_t pool_size, const ReplicaOptions& replicas = {});
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  void ensure_document(int64_t id) override;
  bool document_exists(int64_t id) override;
  std::optional<StoredDocument> load(int64_t id) override;
  void append_updates(const std::vector<UpdateRow>& rows) override;
  size_t compact(int64_t id, const Merger& merge) override;
  std::optional<std::string> content(int64_t id) override;
  bool ping() override;
  PoolStats pool_stats() const override { return pool_.stats(); }
  void transact(const std::function<void(Sql&)>& body) override;
  void read(uint64_t after, const std::function<void(Sql&)>& body) override;
  uint64_t write_position() override;
  ReadStats read_stats() const override;

 private:
  void migrate();

  ConnectionPool pool_;
  Probe probe_;
  std::unique_ptr<ReplicaSet> replicas_;  // null without --database-replica
};

}  // namespace store::postgres
