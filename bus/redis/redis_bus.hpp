// redis_bus.hpp — the Bus over Redis pub/sub: one server, or a Redis Cluster with sharded pub/sub.
//
// --redis names one node or several (redis_address.hpp). The bus first asks a node for
// CLUSTER SLOTS: a server without cluster support is used alone with SUBSCRIBE/PUBLISH, as
// always; a cluster node's answer is the slot map, and the bus then keeps one shard per master.
// A document's channel lives on the master owning its slot (slots.hpp), with SSUBSCRIBE and
// SPUBLISH (Redis ≥ 7), so each message crosses one shard instead of being broadcast over the
// cluster bus to every node, and traffic grows per shard.
//
// Each shard has two connections (connection.hpp), because a subscribed connection takes nothing
// but (un)subscriptions: `sub` holds the subscriptions and receives messages, `pub` publishes,
// answers a liveness PING every 2 s (one unanswered at the next tick means a Redis that hangs: the
// connection is dropped) and, every fifth, `INFO memory` for /metrics. A lost connection is
// reopened with backoff (100 ms doubling to 2 s).
//
// The cluster can change under the bus: a master fails and its replica is promoted, slots move.
// The bus asks for CLUSTER SLOTS every 5 s, every 500 ms while it is not healthy, and at once when
// Redis says so — a publication refused with MOVED/ASK/CLUSTERDOWN, a sharded subscription the
// server ended (`sunsubscribe`: its slot moved away) or refused. A new map opens shards for new
// masters, closes those of former ones, and moves each channel's subscription to its new owner.
//
// Healthy (for /readyz) means: every shard's two connections up and every wanted channel
// subscribed on its owner, with Redis having confirmed it. Each time the bus becomes healthy —
// the first time, after a loss, after a failover — on_reconnect runs, so the server exchanges
// state vectors and recovers what was published meanwhile (publications are dropped while a
// channel's shard is down); so it does after a publication refused during a slot move.
//
// Threading: everything runs on one strand; the public methods post to it.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bus/bus.hpp"
#include "bus/redis/connection.hpp"
#include "bus/redis/redis_address.hpp"
#include "bus/redis/slots.hpp"

namespace bus {

class RedisBus final : public Bus {
 public:
  RedisBus(boost::asio::io_context& ioc, std::vector<RedisAddress> nodes);
  RedisBus(boost::asio::io_context& ioc, RedisAddress address)
      : RedisBus(ioc, std::vector<RedisAddress>{std::move(address)}) {}
  ~RedisBus() override;

  void set_handlers(Handlers handlers) override { handlers_ = std::move(handlers); }
  void start() override;
  void stop() override;
  void subscribe(const std::string& channel) override;
  void unsubscribe(const std::string& channel) override;
  void publish(const std::string& channel, Payload payload) override;
  bool healthy() const override { return healthy_.load(std::memory_order_relaxed); }
  Stats stats() const override;
  // Redis Cluster (sharded pub/sub) rather than one server; false until discovered.
  bool clustered() const { return clustered_.load(std::memory_order_relaxed); }

  struct Shard;  // a master and the bus's two connections to it; defined in the .cpp

 private:
  enum class Mode { kUnknown, kStandalone, kCluster };
  using ShardPtr = std::shared_ptr<Shard>;

  void tick();
  void ask_topology();
  void on_topology(const redisReply* reply, const redis::Node& asked);
  void apply(const std::vector<redis::SlotRange>& ranges);
  ShardPtr make_shard(const redis::Node& node);
  void connect(const ShardPtr& shard);
  void on_up(const ShardPtr& shard, bool sub);
  void on_lost(const ShardPtr& shard, bool sub);
  void on_push(Shard& shard, const redisReply& push);
  void retire(Shard& shard);
  Shard* owner(const std::string& channel) const;
  void place(const std::string& channel);
  void send_subscribe(Shard& shard, const std::string& channel);
  void send_unsubscribe(Shard& shard, const std::string& channel);
  void update_health();
  void ping();
  void sample_memory(const ShardPtr& shard);

  redis::Strand strand_;
  const std::vector<RedisAddress> seeds_;  // from --redis (the first one's credentials for all)
  std::vector<redis::Node> known_;         // the seeds and every node a slot map named
  size_t next_known_ = 0;
  Handlers handlers_;
  Mode mode_ = Mode::kUnknown;
  std::vector<ShardPtr> shards_;
  std::vector<Shard*> slots_;       // cluster: slot → the shard of its master (nullptr: none)
  std::set<std::string> channels_;  // wanted subscriptions
  std::shared_ptr<redis::Connection> probe_;  // asks for the slot map when no shard can
  bool asking_ = false;                       // a CLUSTER SLOTS is on its way
  bool refresh_wanted_ = false;               // Redis said the map changed
  bool resync_ = false;  // a publication was refused: on_reconnect once healthy
  std::chrono::steady_clock::time_point next_probe_{};
  std::chrono::milliseconds probe_backoff_{100};
  unsigned ticks_ = 0;
  unsigned pings_ = 0;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer ping_timer_;
  std::atomic<bool> healthy_{false};
  std::atomic<bool> clustered_{false};
  std::atomic<size_t> shards_up_{0};
  std::atomic<uint64_t> server_memory_bytes_{0};  // summed over the masters, from INFO memory
  bool stopped_ = true;
};

}  // namespace bus
