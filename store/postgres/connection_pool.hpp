// connection_pool.hpp — a fixed number of libpqxx connections shared by the threads of one
// PostgresStore.
//
// A pqxx::connection must be used by one thread at a time, so a thread borrows one for one
// operation (usually one transaction) through a Lease, which gives it back when it goes out of
// scope; borrow() waits on a condition variable while every connection is lent out. The pool has
// `size` slots and opens a slot's connection on the first borrow that finds it empty, so a pool of
// 8 used by one thread holds one connection. An operation that finds its connection broken calls
// Lease::discard(): the slot comes back empty and the next borrow reconnects it, so a database
// restart costs the operations in flight, not the store.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <string>

#include "store/store.hpp"

namespace store::postgres {

class ConnectionPool {
 public:
  // Called on every new connection before it is lent out (to register prepared statements).
  using Setup = std::function<void(pqxx::connection&)>;

  // Connects nothing yet. Throws StoreError when size is 0.
  ConnectionPool(std::string conninfo, size_t size, Setup setup);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // One borrowed connection; returns it to the pool on destruction.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    pqxx::connection& operator*() const { return *conn_; }
    pqxx::connection* operator->() const { return conn_.get(); }
    // Closes the connection instead of returning it (it is broken or in an unknown state).
    void discard() { discard_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool& pool, std::unique_ptr<pqxx::connection> conn)
        : pool_(&pool), conn_(std::move(conn)) {}

    ConnectionPool* pool_;  // null once moved from
    std::unique_ptr<pqxx::connection> conn_;
    bool discard_ = false;
  };

  // Waits until a slot is free and returns its connection, opening it first when the slot is
  // empty or its connection was closed. Throws StoreError when connecting fails (the slot stays
  // empty for the next try).
  Lease borrow();
  // Size, lent out, waiting now, and borrows that waited (metrics).
  PoolStats stats() const;

 private:
  void give_back(std::unique_ptr<pqxx::connection> conn);

  const std::string conninfo_;
  const Setup setup_;
  const size_t size_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  size_t waiting_ = 0;
  uint64_t waits_ = 0;
  // Free slots: empty ones (null) at the front, open connections at the back, so borrow() takes an
  // open one when there is one. Size + lent-out leases == the pool size, always.
  std::deque<std::unique_ptr<pqxx::connection>> free_;
};

}  // namespace store::postgres
