// replicas.hpp — PostgreSQL streaming replicas that serve Store::read(): which one may answer a
// read, the thread that keeps track of them, and the fallback to the primary.
//
// A replica may serve a read when three things hold, as last observed by the monitor: it is up (it
// answered and is in recovery, i.e. a standby), its lag is within --replica-max-lag-ms, and it has
// replayed the caller's fence (the primary's WAL insert LSN taken after the caller's last write,
// Store::write_position(); 0 for a caller with no recent write). Reads go round-robin over the
// replicas that qualify; when none does, or a read on one fails, the caller runs it on the primary
// (PostgresStore::read), so a replica that stops costs no request an error.
//
// Lag without trusting clocks or an idle primary: every round the monitor first samples the
// primary's insert LSN (a ring of (time, LSN) pairs), then asks each replica for
// pg_last_wal_replay_lsn(). A replica whose replay LSN has reached the sample taken at time t holds
// every transaction the primary had committed at t, so its lag is at most now - t for the newest
// such sample. This is exact to a round (no false lag while the primary is idle, unlike
// now() - pg_last_xact_replay_timestamp(); no false freshness while the replica's WAL receiver is
// disconnected, unlike comparing receive and replay LSNs). A replica behind every sample in the
// ring reports the ring's age, about twice the bound, as its lag.
//
// Threads: the monitor is one std::thread owned here, asking its questions through Probes (each
// with a deadline, so a frozen server cannot stall it). Reads run on the callers' threads, each on
// a connection of the replica's own pool. State shared between them sits under mu_.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/connection_pool.hpp"
#include "store/postgres/probe.hpp"
#include "store/store.hpp"

namespace store::postgres {

// "16/B374D848" (pg_lsn's text form) as a number; nullopt when it is not one.
std::optional<uint64_t> parse_lsn(const std::string& text);
// True when a server whose replay LSN is `replayed` has every record before `target`, an insert
// LSN. The insert LSN at a page boundary points past the next page's header, where the last
// record ended at the boundary itself; a replica there has everything too.
bool lsn_reached(uint64_t replayed, uint64_t target);

class ReplicaSet {
 public:
  struct Replica {
    std::string conninfo;  // with the client timeouts applied
    std::string name;      // for logs: "replica 0 (host:port/dbname)"
  };

  // Starts the monitor; connects nothing before its first round. `primary` is the primary's
  // conninfo (for the LSN samples).
  ReplicaSet(const std::string& primary, std::vector<Replica> replicas, size_t pool_size,
             const ReplicaOptions& options);
  ~ReplicaSet();
  ReplicaSet(const ReplicaSet&) = delete;
  ReplicaSet& operator=(const ReplicaSet&) = delete;

  // Runs `body` in a read-only transaction on a replica that qualifies for `after`; false when
  // none did or each that was tried failed (the caller then reads from the primary). Errors of
  // the body itself (not of the replica) propagate.
  bool try_read(uint64_t after, const std::function<void(Sql&)>& body);
  void count_primary_read() { primary_reads_.fetch_add(1, std::memory_order_relaxed); }
  ReadStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;

  struct State {
    bool up = false;
    bool ever_checked = false;
    std::optional<uint64_t> replayed;    // pg_last_wal_replay_lsn()
    std::optional<Clock::duration> lag;  // unknown before the first comparison
    Clock::time_point checked{};         // when the monitor last heard from it
    std::string down_reason;             // why it is not up (logged once)
    bool lagging = false;                // beyond the bound (logged once)
  };
  struct Member {
    Member(const Replica& r, size_t pool_size, std::chrono::milliseconds probe_timeout);
    std::string name;
    ConnectionPool pool;
    Probe probe;
    State state;  // under ReplicaSet::mu_
  };
  struct Sample {
    Clock::time_point at;
    uint64_t lsn;
  };

  void monitor();
  void check(Member& m);
  // Marks `m` down after a failed read or check; logs when it was up.
  void set_down(Member& m, const std::string& reason);
  bool usable(const State& s, uint64_t after, Clock::time_point now) const;
  // True: answered. False: the replica failed (and was marked down or logged); try the next.
  bool read_on(Member& m, const std::function<void(Sql&)>& body);
  std::string lag_text(Clock::duration lag) const;

  const std::chrono::milliseconds max_lag_;
  const std::chrono::milliseconds interval_;  // between monitor rounds
  const std::chrono::milliseconds window_;    // how much sample history the ring keeps
  const std::function<void(const std::string&)> warn_;
  const std::function<void(const std::string&)> info_;
  Probe primary_;
  std::vector<std::unique_ptr<Member>> members_;

  mutable std::mutex mu_;  // guards every Member::state, samples_ and stopping_
  std::condition_variable wake_;
  std::deque<Sample> samples_;  // the primary's insert LSN, oldest first, within window_
  bool stopping_ = false;

  std::atomic<size_t> next_{0};  // round-robin start
  std::atomic<uint64_t> replica_reads_{0};
  std::atomic<uint64_t> primary_reads_{0};
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace store::postgres
