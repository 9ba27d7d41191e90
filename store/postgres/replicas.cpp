// replicas.cpp — the replica monitor's rounds, the choice of a replica for a read, and what a
// failed read on one does (see replicas.hpp).
//
// Logs are transitions only (down, up, lagging, caught up), so a replica that stays down logs
// once, not once a round. A read that fails on a replica marks it down at once, so the reads after
// it go to the primary without waiting for the monitor's next round; the monitor brings it back
// when it answers again.
#include "store/postgres/replicas.hpp"

#include <algorithm>
#include <cstdio>
#include <pqxx/except>
#include <pqxx/transaction>

#include "store/postgres/postgres_sql.hpp"

namespace store::postgres {

namespace {

// How long one monitor question may take (a frozen server is "down" after this).
constexpr auto kProbeTimeout = std::chrono::milliseconds(1000);
// WAL page size (XLOG_BLCKSZ, 8 KiB in every packaged build) and the largest page header.
constexpr uint64_t kWalPageBytes = 8192;
constexpr uint64_t kLongPageHeaderBytes = 40;

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::optional<uint64_t> parse_lsn(const std::string& text) {
  unsigned hi = 0;
  unsigned lo = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%X/%X%c", &hi, &lo, &tail) != 2) return std::nullopt;
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool lsn_reached(uint64_t replayed, uint64_t target) {
  if (replayed >= target) return true;
  const uint64_t into_page = target % kWalPageBytes;
  return into_page <= kLongPageHeaderBytes && replayed >= target - into_page;
}

ReplicaSet::Member::Member(const Replica& r, size_t pool_size,
                           std::chrono::milliseconds probe_timeout)
    : name(r.name),
      pool(r.conninfo, pool_size,
           [](pqxx::connection& conn) { conn.set_variable("TimeZone", "'UTC'"); }),
      probe(r.conninfo, probe_timeout) {}

ReplicaSet::ReplicaSet(const std::string& primary, std::vector<Replica> replicas, size_t pool_size,
                       const ReplicaOptions& options)
    : max_lag_(std::max<int64_t>(options.max_lag_ms, 0)),
      interval_(std::clamp<std::chrono::milliseconds>(max_lag_ / 4, std::chrono::milliseconds(50),
                                                      std::chrono::milliseconds(1000))),
      window_(2 * max_lag_ + 4 * interval_),
      warn_(options.warn ? options.warn : [](const std::string&) {}),
      info_(options.info ? options.info : [](const std::string&) {}),
      primary_(primary, kProbeTimeout) {
  for (const Replica& r : replicas) {
    members_.push_back(std::make_unique<Member>(r, pool_size, kProbeTimeout));
  }
  thread_ = std::thread([this] { monitor(); });
}

ReplicaSet::~ReplicaSet() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ReplicaSet::monitor() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    // The primary first: a replica compared with a sample taken before its answer is never
    // judged fresher than it is.
    if (const auto row = primary_.query("SELECT pg_current_wal_insert_lsn()");
        row && !row->empty() && (*row)[0]) {
      if (const auto lsn = parse_lsn(*(*row)[0])) {
        const auto now = Clock::now();
        std::lock_guard guard(mu_);
        samples_.push_back({now, *lsn});
        while (samples_.size() > 1 && samples_.front().at < now - window_) samples_.pop_front();
      }
    }
    for (const auto& m : members_) check(*m);
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

void ReplicaSet::check(Member& m) {
  std::string error;
  const auto row =
      m.probe.query("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text", &error);
  if (!row || row->size() != 2) return set_down(m, one_line(error.empty() ? "no answer" : error));
  if ((*row)[0].value_or("") != "t") {
    return set_down(m,
                    "it is not a standby (pg_is_in_recovery() is false: promoted, or not a "
                    "replica of the primary)");
  }
  const std::optional<uint64_t> replayed = (*row)[1] ? parse_lsn(*(*row)[1]) : std::nullopt;
  const auto now = Clock::now();
  std::string became_up;
  std::string lag_news;
  bool lag_is_bad = false;
  {
    std::lock_guard lock(mu_);
    State& s = m.state;
    std::optional<Clock::duration> lag;
    if (replayed && !samples_.empty()) {
      lag = now - samples_.front().at;  // behind every sample: at least the ring's age
      for (auto it = samples_.rbegin(); it != samples_.rend(); ++it) {
        if (lsn_reached(*replayed, it->lsn)) {
          lag = now - it->at;
          break;
        }
      }
    }
    if (!s.up) {
      became_up = m.name + " is up" + (lag ? " (lag " + lag_text(*lag) + ")" : std::string()) +
                  "; reads go to it again";
      if (!s.ever_checked) became_up = m.name + " is up; it serves reads within its lag bound";
    }
    s.up = true;
    s.ever_checked = true;
    s.down_reason.clear();
    s.replayed = replayed;
    s.lag = lag;
    s.checked = now;
    const bool beyond = !lag || *lag > max_lag_;
    if (beyond && !s.lagging) {
      lag_is_bad = true;
      lag_news = m.name +
                 (lag ? " lags " + lag_text(*lag) + " behind the primary"
                      : std::string(" has no comparable replay position yet")) +
                 ", beyond the bound of " + std::to_string(max_lag_.count()) +
                 " ms: its reads go to the primary until it catches up";
    } else if (!beyond && s.lagging) {
      lag_news = m.name + " caught up (lag " + lag_text(*lag) + "); reads go to it again";
    }
    s.lagging = beyond;
  }
  if (!became_up.empty()) info_(became_up);
  if (!lag_news.empty()) (lag_is_bad ? warn_ : info_)(lag_news);
}

void ReplicaSet::set_down(Member& m, const std::string& reason) {
  bool news = false;
  {
    std::lock_guard lock(mu_);
    State& s = m.state;
    news = s.up || !s.ever_checked;
    s.up = false;
    s.ever_checked = true;
    s.down_reason = reason;
    s.lagging = false;  // told afresh when it comes back
  }
  if (news) warn_(m.name + " is down: " + one_line(reason) + "; its reads go to the primary");
}

std::string ReplicaSet::lag_text(Clock::duration lag) const {
  char out[32];
  std::snprintf(out, sizeof out, "%.3f s", std::chrono::duration<double>(lag).count());
  return out;
}

// What the monitor saw, aged by the time since it looked: a replica 0.1 s behind when checked
// 0.3 s ago may be 0.4 s behind now.
bool ReplicaSet::usable(const State& s, uint64_t after, Clock::time_point now) const {
  if (!s.up || !s.lag || !s.replayed) return false;
  if (*s.lag + (now - s.checked) > max_lag_) return false;
  return after == 0 || lsn_reached(*s.replayed, after);
}

bool ReplicaSet::try_read(uint64_t after, const std::function<void(Sql&)>& body) {
  const size_t n = members_.size();
  const size_t start = next_.fetch_add(1, std::memory_order_relaxed);
  for (size_t k = 0; k < n; ++k) {
    Member& m = *members_[(start + k) % n];
    bool fits = false;
    {
      std::lock_guard lock(mu_);
      fits = usable(m.state, after, Clock::now());
    }
    if (fits && read_on(m, body)) {
      replica_reads_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

bool ReplicaSet::read_on(Member& m, const std::function<void(Sql&)>& body) {
  std::optional<ConnectionPool::Lease> lease;
  try {
    lease.emplace(m.pool.borrow());
  } catch (const StoreError& e) {
    set_down(m, e.what());
    return false;
  }
  bool answered = false;  // the body ran to its end: its results stand whatever COMMIT does
  try {
    pqxx::read_transaction tx(**lease);
    PostgresSql sql(tx);
    body(sql);
    answered = true;
    tx.commit();
    return true;
  } catch (const pqxx::pqxx_exception& e) {
    const bool broken = dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
                        dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr ||
                        !(*lease)->is_open();
    if (broken) lease->discard();
    if (answered) return true;
    if (broken) {
      set_down(m, std::string("connection lost: ") + one_line(e.base().what()));
    } else {
      // A statement failed on this replica, e.g. cancelled by a conflict with recovery: the
      // primary answers this one; the replica stays in use.
      warn_(m.name + ": a read failed (" + one_line(e.base().what()) + "); it went to the primary");
    }
    return false;
  }
}

ReadStats ReplicaSet::stats() const {
  ReadStats out;
  const auto now = Clock::now();
  std::lock_guard lock(mu_);
  for (const auto& m : members_) {
    const State& s = m->state;
    ReadStats::Replica r;
    r.up = s.up;
    if (s.lag) r.lag_seconds = std::chrono::duration<double>(*s.lag + (now - s.checked)).count();
    out.replicas.push_back(r);
  }
  out.replica_reads = replica_reads_.load(std::memory_order_relaxed);
  out.primary_reads = primary_reads_.load(std::memory_order_relaxed);
  return out;
}

}  // namespace store::postgres
