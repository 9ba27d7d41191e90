// probe.cpp — libpq's non-blocking connect and query, each step waiting with poll() until one
// deadline.
//
// The pattern is the one libpq documents: after PQconnectStart, call PQconnectPoll whenever the
// socket is ready for what it last asked for (reading or writing) until it says OK or FAILED; after
// PQsendQuery on a non-blocking connection, PQflush until everything is sent, then PQconsumeInput
// while PQisBusy, and PQgetResult until it returns null. Only name resolution in PQconnectStart can
// block outside the deadline (getaddrinfo); give the database a numeric address to avoid it.
#include "store/postgres/probe.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <utility>

namespace store::postgres {

namespace {

// Waits until `fd` is ready for `events` or the deadline passes; false on timeout or error.
bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  if (fd < 0) return false;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;  // ready, or an error/hang-up that the next libpq call reports
    if (n < 0 && errno != EINTR) return false;
  }
}

}  // namespace

void Probe::Finish::operator()(pg_conn* conn) const { PQfinish(conn); }

Probe::Probe(std::string conninfo, std::chrono::milliseconds timeout)
    : conninfo_(std::move(conninfo)), timeout_(timeout) {}

Probe::~Probe() = default;

bool Probe::ping() { return query("SELECT 1").has_value(); }

std::optional<Probe::Row> Probe::query(const char* sql, std::string* error) {
  const auto deadline = Clock::now() + timeout_;
  const auto failed = [&](const char* why) -> std::optional<Row> {
    if (error != nullptr && error->empty()) {  // a query's own error is already there
      const char* libpq = conn_ != nullptr ? PQerrorMessage(conn_.get()) : "";
      *error = libpq != nullptr && *libpq != '\0' ? libpq : why;
      while (!error->empty() && (error->back() == '\n' || error->back() == ' ')) error->pop_back();
    }
    conn_.reset();  // may still owe us an answer: never reuse it
    return std::nullopt;
  };
  std::unique_lock lock(mu_, std::defer_lock);
  if (!lock.try_lock_until(deadline)) {
    if (error != nullptr) *error = "another check is still waiting for an answer";
    return std::nullopt;
  }
  if (conn_ == nullptr || PQstatus(conn_.get()) != CONNECTION_OK) {
    conn_.reset();
    if (!connect(deadline)) return failed("no connection within the timeout");
  }
  auto row = one_row(sql, deadline, error);
  if (!row) return failed("no answer within the timeout");
  return row;
}

bool Probe::connect(Clock::time_point deadline) {
  conn_.reset(PQconnectStart(conninfo_.c_str()));
  if (conn_ == nullptr || PQstatus(conn_.get()) == CONNECTION_BAD) return false;
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;  // what PQconnectStart leaves us with
  while (status != PGRES_POLLING_OK) {
    if (status == PGRES_POLLING_FAILED) return false;
    const short events = status == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    if (!wait_for(PQsocket(conn_.get()), events, deadline)) return false;
    status = PQconnectPoll(conn_.get());
  }
  return PQsetnonblocking(conn_.get(), 1) == 0;
}

std::optional<Probe::Row> Probe::one_row(const char* sql, Clock::time_point deadline,
                                         std::string* error) {
  PGconn* conn = conn_.get();
  if (PQsendQuery(conn, sql) == 0) return std::nullopt;
  while (true) {
    const int flushed = PQflush(conn);
    if (flushed == 0) break;
    if (flushed < 0 || !wait_for(PQsocket(conn), POLLOUT, deadline)) return std::nullopt;
  }
  std::optional<Row> answer;
  bool failed = false;
  while (true) {
    while (PQisBusy(conn) != 0) {
      if (!wait_for(PQsocket(conn), POLLIN, deadline) || PQconsumeInput(conn) == 0) {
        return std::nullopt;
      }
    }
    PGresult* result = PQgetResult(conn);
    if (result == nullptr) break;
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1) {
      Row row;
      for (int i = 0; i < PQnfields(result); ++i) {
        if (PQgetisnull(result, 0, i) != 0) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(PQgetvalue(result, 0, i),
                                       static_cast<size_t>(PQgetlength(result, 0, i))));
        }
      }
      answer = std::move(row);
    } else if (PQresultStatus(result) != PGRES_TUPLES_OK) {
      failed = true;
      if (error != nullptr) *error = PQresultErrorMessage(result);
    }
    PQclear(result);
  }
  if (failed && error != nullptr) {
    while (!error->empty() && (error->back() == '\n' || error->back() == ' ')) error->pop_back();
  }
  return failed ? std::nullopt : answer;
}

}  // namespace store::postgres
