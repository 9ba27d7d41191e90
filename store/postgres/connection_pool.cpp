// connection_pool.cpp — borrowing, returning and (re)connecting pooled connections.
//
// Connecting happens outside the mutex: it takes a network round trip or several (bounded by
// connect_timeout, see postgres_store.cpp), and other threads must be able to return and borrow
// connections meanwhile. Closing a discarded connection happens outside it too.
#include "store/postgres/connection_pool.hpp"

#include <pqxx/except>
#include <utility>

#include "store/store.hpp"

namespace store::postgres {

ConnectionPool::ConnectionPool(std::string conninfo, size_t size, Setup setup)
    : conninfo_(std::move(conninfo)), setup_(std::move(setup)), size_(size) {
  if (size == 0) throw StoreError("postgres: the connection pool needs at least one connection");
  free_.resize(size);
}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      conn_(std::move(other.conn_)),
      discard_(other.discard_) {}

ConnectionPool::Lease::~Lease() {
  if (pool_ == nullptr) return;
  if (discard_) conn_.reset();
  pool_->give_back(std::move(conn_));
}

ConnectionPool::Lease ConnectionPool::borrow() {
  std::unique_ptr<pqxx::connection> conn;
  {
    std::unique_lock lock(mu_);
    if (free_.empty()) {
      ++waits_;
      ++waiting_;
      freed_.wait(lock, [&] { return !free_.empty(); });
      --waiting_;
    }
    conn = std::move(free_.back());
    free_.pop_back();
  }
  // From here on the slot belongs to this lease: every path out must give it back.
  Lease lease(*this, std::move(conn));
  if (lease.conn_ != nullptr && lease.conn_->is_open()) return lease;
  lease.conn_.reset();
  try {
    auto fresh = std::make_unique<pqxx::connection>(conninfo_);
    setup_(*fresh);
    lease.conn_ = std::move(fresh);
  } catch (const pqxx::pqxx_exception& e) {
    // The message is libpq's; it never contains the password (nor do we add the URL).
    throw StoreError(std::string("postgres: cannot connect: ") + e.base().what());
  }
  return lease;
}

PoolStats ConnectionPool::stats() const {
  std::lock_guard lock(mu_);
  return {.size = size_, .in_use = size_ - free_.size(), .waiting = waiting_, .waits = waits_};
}

void ConnectionPool::give_back(std::unique_ptr<pqxx::connection> conn) {
  if (conn != nullptr && !conn->is_open()) conn.reset();
  {
    std::lock_guard lock(mu_);
    if (conn != nullptr) {
      free_.push_back(std::move(conn));
    } else {
      free_.push_front(nullptr);
    }
  }
  freed_.notify_one();
}

}  // namespace store::postgres
