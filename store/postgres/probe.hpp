// probe.hpp — a "SELECT 1" with a deadline, on its own connection, for Store::ping().
//
// /readyz calls ping() on an I/O thread, so ping must answer within a bound whatever the database
// does: refuse connections, drop packets, or accept and then never answer (a frozen server: the
// kernel still acknowledges, so neither TCP timeouts nor keepalives fire). libpqxx 6.4 only has
// blocking calls, so the probe uses libpq's asynchronous API directly — PQconnectStart /
// PQconnectPoll and PQsendQuery — and waits on the socket with poll() until the deadline. It keeps
// its connection between pings and drops it after any failure or timeout, so that a late answer is
// never read as the next ping's. The replica monitor (replicas.hpp) asks its questions through
// probes too (query()): a replica or primary that freezes must not stall it.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct pg_conn;

namespace store::postgres {

class Probe {
 public:
  Probe(std::string conninfo, std::chrono::milliseconds timeout);
  ~Probe();
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  // True when the server answered SELECT 1 within the timeout (connecting first if needed). A
  // ping that finds another one in progress waits for it at most the timeout too.
  bool ping();
  // One row of a constant query (no parameters) within the timeout, its columns as text (NULL as
  // nullopt); nullopt when the server did not answer with exactly one row in time. `error`, when
  // given, receives libpq's reason for a failure (it never holds the password).
  using Row = std::vector<std::optional<std::string>>;
  std::optional<Row> query(const char* sql, std::string* error = nullptr);

 private:
  using Clock = std::chrono::steady_clock;
  struct Finish {
    void operator()(pg_conn* conn) const;
  };

  bool connect(Clock::time_point deadline);
  std::optional<Row> one_row(const char* sql, Clock::time_point deadline, std::string* error);

  const std::string conninfo_;
  const std::chrono::milliseconds timeout_;
  std::timed_mutex mu_;  // guards conn_
  std::unique_ptr<pg_conn, Finish> conn_;
};

}  // namespace store::postgres
