// redis_bus.hpp — the Bus over Redis pub/sub, on hiredis's asynchronous API driven by Asio.
//
// Two connections, because a subscribed Redis connection accepts nothing but (un)subscriptions:
// `sub` holds the SUBSCRIBEs and receives messages, `pub` sends PUBLISHes. hiredis does no I/O of
// its own: it asks for read/write readiness through the ev hooks, which this adapter maps onto
// asio::posix::stream_descriptor waits on the connection's socket (the descriptor is released,
// never closed, by us: hiredis owns the fd). Every hiredis call happens on one strand, so the
// contexts are single-threaded as hiredis requires, and no call blocks an I/O thread (the one
// exception is name resolution of a non-numeric host during connect; use an IP for Redis).
//
// Losing a connection marks the bus unhealthy (/readyz), and a timer reconnects with backoff
// (100 ms doubling to 2 s). Once both connections are back and every channel is subscribed again,
// (Redis confirmed each SUBSCRIBE) the bus is healthy and on_reconnect runs, so the server can
// exchange state vectors and recover what was published while it was away; so it does when the
// bus is up for the first time, since an instance serves (and publishes) before that. A liveness
// PING every 2 s on `pub` notices a Redis that stopped answering without closing the socket;
// every fifth also samples `INFO memory` for /metrics. A PUBLISH's reply times it (on_published).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "bus/bus.hpp"

struct redisAsyncContext;

namespace bus {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username{};  // Redis 6 ACL user (empty: the default user)
  std::string password{};  // sent with AUTH on every connection when set
};

// Parses redis://[[user]:password@]host[:port][/db] (%XX escapes in the user and password; the db
// is accepted and ignored: pub/sub is not per database). Throws std::invalid_argument for
// anything else, with a message that never repeats the password.
RedisAddress parse_redis_url(const std::string& url);

class RedisBus final : public Bus {
 public:
  RedisBus(boost::asio::io_context& ioc, RedisAddress address);
  ~RedisBus() override;

  void set_handlers(Handlers handlers) override { handlers_ = std::move(handlers); }
  void start() override;
  void stop() override;
  void subscribe(const std::string& channel) override;
  void unsubscribe(const std::string& channel) override;
  void publish(const std::string& channel, Payload payload) override;
  bool healthy() const override { return healthy_.load(std::memory_order_relaxed); }
  Stats stats() const override;

  // One hiredis connection and its Asio watcher; defined in the .cpp.
  struct Link;

 private:
  void connect(Link& link);
  void on_connected(Link& link, bool ok);
  void on_lost(Link& link);
  void authenticate(Link& link);
  void schedule_reconnect(Link& link);
  void update_health();
  void send_subscribe(const std::string& channel);
  void ping();
  void sample_info();

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  const RedisAddress address_;
  Handlers handlers_;
  std::unique_ptr<Link> sub_;
  std::unique_ptr<Link> pub_;
  std::set<std::string> channels_;  // wanted subscriptions (strand only)
  size_t unconfirmed_ = 0;          // SUBSCRIBEs sent on this `sub` connection, not yet confirmed
  boost::asio::steady_timer ping_timer_;
  std::atomic<bool> healthy_{false};
  std::atomic<uint64_t> server_memory_bytes_{0};  // from INFO memory, every kInfoEvery
  unsigned pings_ = 0;
  bool stopped_ = true;
};

}  // namespace bus
