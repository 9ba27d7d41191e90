// read_fences.hpp — read-your-writes for API callers when reads may go to a replica: the position
// each user's last write reached (ReadFences), and the Store one API call reads through
// (FencedReads).
//
// After a request that may write (any method but GET/HEAD) the API records the primary's WAL
// position for its caller (handle_api, before the answer leaves: a client that waits for it never
// races its own record). A later read by the same user carries that position as its fence, and
// only a replica that has replayed it may serve the read (store/postgres/replicas.hpp); others
// read from any replica within the lag bound. Per instance: a user whose requests a load balancer
// spreads over instances reads their own writes at once only on the instance that took them; on
// the others within the lag bound.
//
// An entry is useful only while replicas may still lack the write. A replica within the lag bound
// has every write older than the bound, so entries older than `keep` (the bound plus a margin) are
// dropped: the map holds the users who wrote recently, not everyone who ever wrote.
// Thread-safe: the API's handlers call it from the blocking pool.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "store/store.hpp"

namespace weft {

class ReadFences {
 public:
  explicit ReadFences(std::chrono::milliseconds keep) : keep_(keep) {}

  // The fence for `user_id`'s reads: the position after its last recorded write, or 0.
  uint64_t fence(int64_t user_id);
  void wrote(int64_t user_id, uint64_t position);
  size_t size() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    uint64_t position;
    Clock::time_point at;
  };

  const std::chrono::milliseconds keep_;
  mutable std::mutex mu_;
  std::unordered_map<int64_t, Entry> fences_;
  Clock::time_point swept_{};  // last sweep of expired entries (one per `keep`)
};

// The store as one API caller reads it: transact() is store.read(fence, body) — read-only, on a
// replica that fits the fence or on the primary — and everything else is the store's own. Give it
// to store::Accounts / Projects / History for the queries a GET answers; never for a write (it
// fails: the transaction is read-only).
class FencedReads final : public store::Store {
 public:
  FencedReads(store::Store& store, uint64_t fence) : store_(store), fence_(fence) {}

  void transact(const std::function<void(store::Sql&)>& body) override {
    store_.read(fence_, body);
  }
  void read(uint64_t after, const std::function<void(store::Sql&)>& body) override {
    store_.read(std::max(after, fence_), body);
  }
  void ensure_document(int64_t id) override { store_.ensure_document(id); }
  bool document_exists(int64_t id) override { return store_.document_exists(id); }
  std::optional<store::StoredDocument> load(int64_t id) override { return store_.load(id); }
  void append_updates(const std::vector<store::UpdateRow>& rows) override {
    store_.append_updates(rows);
  }
  size_t compact(int64_t id, const store::Merger& merge) override {
    return store_.compact(id, merge);
  }
  std::optional<std::string> content(int64_t id) override { return store_.content(id); }
  bool ping() override { return store_.ping(); }
  store::PoolStats pool_stats() const override { return store_.pool_stats(); }
  uint64_t write_position() override { return store_.write_position(); }
  store::ReadStats read_stats() const override { return store_.read_stats(); }

 private:
  store::Store& store_;
  const uint64_t fence_;
};

}  // namespace weft
