// bus_test.cpp — the behaviour every Bus adapter must have, as one value-parameterized suite, plus
// the Redis adapter's recovery from lost connections.
//
// Two buses stand for two instances: on one Hub for the local adapter, on one redis-server for the
// Redis adapter (WEFT_TEST_REDIS_URL, set by tests/redis/with-redis.sh; without it the Redis tests
// are skipped). Every wait is a condition with a deadline.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "bus/local/local_bus.hpp"
#include "bus/redis/redis_bus.hpp"

namespace bus {
namespace {

using namespace std::chrono_literals;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}
std::string redis_url() { return env("WEFT_TEST_REDIS_URL"); }
// tests/redis/with-redis-cluster.sh: every node of a 3-master, 3-replica cluster.
std::string cluster_url() { return env("WEFT_TEST_REDIS_CLUSTER_URL"); }

// What one bus received, readable from the test thread.
struct Inbox {
  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> messages;
  int reconnects = 0;
  std::vector<std::string> subscribed;
  int acknowledged = 0;  // publications Redis acknowledged (on_published)

  Bus::Handlers handlers() {
    return {.on_message =
                [this](const std::string& channel, Payload p) {
                  std::lock_guard lock(mu);
                  messages.emplace_back(channel, *p);
                  changed.notify_all();
                },
            .on_reconnect =
                [this] {
                  std::lock_guard lock(mu);
                  ++reconnects;
                  changed.notify_all();
                },
            .on_subscribed =
                [this](const std::string& channel) {
                  std::lock_guard lock(mu);
                  subscribed.push_back(channel);
                  changed.notify_all();
                },
            .on_published =
                [this](std::chrono::nanoseconds took) {
                  std::lock_guard lock(mu);
                  acknowledged += took.count() > 0;
                  changed.notify_all();
                }};
  }
  bool wait(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock lock(mu);
    return changed.wait_for(lock, timeout, cond);
  }
  size_t count(const std::string& channel) {
    std::lock_guard lock(mu);
    return count_locked(channel);
  }
  // For wait() predicates, which run with the lock held.
  size_t count_locked(const std::string& channel) const {
    size_t n = 0;
    for (const auto& [c, m] : messages) n += c == channel;
    return n;
  }
};

Payload bytes(std::string_view s) {
  return std::make_shared<const std::vector<uint8_t>>(s.begin(), s.end());
}

struct Backend {
  std::string name;
  std::function<std::unique_ptr<Bus>(boost::asio::io_context&, std::shared_ptr<Hub>)> make;
  bool needs_redis = false;
  bool needs_cluster = false;
};
void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

class BusTest : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().needs_redis && redis_url().empty())
      GTEST_SKIP() << "WEFT_TEST_REDIS_URL is not set; run under tests/redis/with-redis.sh";
    if (GetParam().needs_cluster && cluster_url().empty())
      GTEST_SKIP() << "WEFT_TEST_REDIS_CLUSTER_URL is not set; run under "
                      "tests/redis/with-redis-cluster.sh";
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    for (auto& b : buses_) b->stop();
    work_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
    buses_.clear();  // after the loop stopped, as in the server
  }

  // A started bus reporting into `inbox`, subscribed to `channels`, once healthy.
  Bus& bus(Inbox& inbox, std::vector<std::string> channels) {
    buses_.push_back(GetParam().make(ioc_, hub_));
    Bus& b = *buses_.back();
    b.set_handlers(inbox.handlers());
    for (const auto& c : channels) b.subscribe(c);
    b.start();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!b.healthy() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    EXPECT_TRUE(b.healthy());
    return b;
  }

  // Publishes on `from` until `inbox` got a message on `channel` (a fresh Redis subscription may
  // not be active yet when the first publication arrives), then a fence message, and empties the
  // inbox once the fence arrived (every earlier publication of `from` arrived before it).
  void settle(Bus& from, Inbox& inbox, const std::string& channel) {
    for (int i = 0; i < 100 && inbox.count(channel) == 0; ++i) {
      from.publish(channel, bytes("settle"));
      inbox.wait([&] { return !inbox.messages.empty(); }, 50ms);
    }
    ASSERT_GT(inbox.count(channel), 0u) << "no message on " << channel;
    from.publish(channel, bytes("fence"));
    ASSERT_TRUE(inbox.wait([&] {
      return !inbox.messages.empty() &&
             inbox.messages.back().second == std::vector<uint8_t>{'f', 'e', 'n', 'c', 'e'};
    }));
    std::lock_guard lock(inbox.mu);
    inbox.messages.clear();
  }

  // A fresh inbox owned by the fixture: buses may still deliver (a late "settle" message) until
  // TearDown has stopped the loop, after the test body's locals are gone.
  Inbox& inbox() { return inboxes_.emplace_back(); }

  std::deque<Inbox> inboxes_;
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc_.get_executor()};
  std::thread thread_;
  std::shared_ptr<Hub> hub_ = std::make_shared<Hub>();
  std::vector<std::unique_ptr<Bus>> buses_;
};

// on_subscribed says when a subscription is in place: one publication after it arrives, with no
// retries (the server's rooms ask their peers for what they missed at that moment).
TEST_P(BusTest, SubscriptionMadeWhileUpIsConfirmedAndThenHears) {
  Inbox& ia = inbox();
  Inbox& ib = inbox();
  Bus& a = bus(ia, {});
  Bus& b = bus(ib, {});
  a.subscribe("weft:doc:late");
  ASSERT_TRUE(ia.wait([&] {
    return std::find(ia.subscribed.begin(), ia.subscribed.end(), "weft:doc:late") !=
           ia.subscribed.end();
  }));
  b.publish("weft:doc:late", bytes("once"));
  EXPECT_TRUE(ia.wait([&] { return ia.count_locked("weft:doc:late") == 1; }));
}

TEST_P(BusTest, DeliversToSubscribersOnlyInOrderWithBinaryPayloads) {
  Inbox& a_in = inbox();
  Inbox& b_in = inbox();
  Inbox& c_in = inbox();
  Bus& a = bus(a_in, {"weft:doc:1"});
  bus(b_in, {"weft:doc:1", "weft:doc:2"});
  bus(c_in, {"weft:doc:2"});
  settle(a, b_in, "weft:doc:1");
  {
    std::lock_guard lock(a_in.mu);
    a_in.messages.clear();
  }
  std::string binary("\x00\x01\xff\x00zero", 8);
  std::string big(1 << 20, 'x');
  big[12345] = '\0';
  for (int i = 0; i < 100; ++i) a.publish("weft:doc:1", bytes(std::to_string(i)));
  a.publish("weft:doc:1", bytes(binary));
  a.publish("weft:doc:1", bytes(big));
  ASSERT_TRUE(b_in.wait([&] { return b_in.messages.size() >= 102; })) << b_in.messages.size();
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(b_in.messages[i].first, "weft:doc:1");
    EXPECT_EQ(std::string(b_in.messages[i].second.begin(), b_in.messages[i].second.end()),
              std::to_string(i));
  }
  EXPECT_EQ(std::string(b_in.messages[100].second.begin(), b_in.messages[100].second.end()),
            binary);
  EXPECT_EQ(b_in.messages[101].second.size(), big.size());
  EXPECT_EQ(std::string(b_in.messages[101].second.begin(), b_in.messages[101].second.end()), big);
  // The publisher hears itself (the server filters by instance id); c is not subscribed to doc 1.
  EXPECT_TRUE(a_in.wait([&] { return a_in.messages.size() >= 102; }));
  EXPECT_EQ(c_in.count("weft:doc:1"), 0u);
}

TEST_P(BusTest, UnsubscribeStopsDelivery) {
  // In doc 7's hash slot (its {tag}), so that on a Redis Cluster both are on one shard too.
  const std::string kMarker = "weft:doc:8{weft:doc:7}";
  Inbox& a_in = inbox();
  Inbox& b_in = inbox();
  Bus& a = bus(a_in, {});
  Bus& b = bus(b_in, {"weft:doc:7", kMarker});
  settle(a, b_in, "weft:doc:7");
  settle(a, b_in, kMarker);
  b.unsubscribe("weft:doc:7");
  // b's unsubscription and a's publications travel on different connections, so a first round
  // may still find doc 7 subscribed. Once a marker sent after the unsubscription arrived, Redis
  // has long read it: what a publishes from then on on doc 7 must not arrive (the marker channel
  // is still subscribed, and what a publishes in one hash slot arrives in order).
  for (int round = 0; round < 2; ++round) {
    {
      std::lock_guard lock(b_in.mu);
      b_in.messages.clear();
    }
    for (int i = 0; i < 20 && b_in.count(kMarker) == 0; ++i) {
      a.publish("weft:doc:7", bytes("after"));
      a.publish(kMarker, bytes("marker"));
      b_in.wait([&] { return b_in.count_locked(kMarker) > 0; }, 100ms);
    }
  }
  ASSERT_GT(b_in.count(kMarker), 0u);
  EXPECT_EQ(b_in.count("weft:doc:7"), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Adapters, BusTest,
    testing::Values(Backend{"Local",
                            [](boost::asio::io_context& ioc, std::shared_ptr<Hub> hub) {
                              return std::unique_ptr<Bus>(new LocalBus(ioc, std::move(hub)));
                            }},
                    Backend{"Redis",
                            [](boost::asio::io_context& ioc, std::shared_ptr<Hub>) {
                              return std::unique_ptr<Bus>(
                                  new RedisBus(ioc, parse_redis_url(redis_url())));
                            },
                            true},
                    Backend{"RedisCluster",
                            [](boost::asio::io_context& ioc, std::shared_ptr<Hub>) {
                              return std::unique_ptr<Bus>(
                                  new RedisBus(ioc, parse_redis_nodes(cluster_url())));
                            },
                            false, true}),
    [](const testing::TestParamInfo<Backend>& info) { return info.param.name; });

// ---- Redis only ----

// Kills this server's clients of one type (pubsub / normal) from outside, like a network drop.
void kill_clients(const char* type) {
  const RedisAddress address = parse_redis_url(redis_url());
  redisContext* c = redisConnect(address.host.c_str(), address.port);
  ASSERT_TRUE(c != nullptr && !c->err);
  auto* reply = static_cast<redisReply*>(redisCommand(c, "CLIENT KILL TYPE %s", type));
  ASSERT_NE(reply, nullptr);
  freeReplyObject(reply);
  redisFree(c);
}

class RedisBusTest : public BusTest {};

TEST_P(RedisBusTest, RecoversFromLostConnectionsAndResubscribes) {
  Inbox& a_in = inbox();
  Inbox& b_in = inbox();
  Bus& a = bus(a_in, {});
  Bus& b = bus(b_in, {"weft:doc:3"});
  settle(a, b_in, "weft:doc:3");
  for (const char* type : {"pubsub", "normal"}) {
    // Killing either type drops one of b's connections (its subscriber is "pubsub", its
    // publisher "normal"), so b must report a reconnect either way.
    const int before = b_in.reconnects;
    kill_clients(type);
    ASSERT_TRUE(b_in.wait([&] { return b_in.reconnects > before; }, 10s))
        << "on_reconnect after killing " << type << " clients";
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!(a.healthy() && b.healthy()) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    ASSERT_TRUE(a.healthy() && b.healthy());
    settle(a, b_in, "weft:doc:3");  // the subscription is back
  }
}

// For /metrics: each PUBLISH is timed by its reply, and INFO memory is sampled once up.
TEST_P(RedisBusTest, TimesPublicationsAndSamplesServerMemory) {
  Inbox& a_in = inbox();
  Bus& a = bus(a_in, {});
  EXPECT_EQ(a.stats().shards, 1u);
  for (int i = 0; i < 3; ++i) a.publish("weft:doc:9", bytes("x"));
  EXPECT_TRUE(a_in.wait([&] { return a_in.acknowledged == 3; }));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (a.stats().server_memory_bytes == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_GT(a.stats().server_memory_bytes, 100'000u);  // an empty redis-server uses ~1 MB
}

TEST(RedisUrl, Parses) {
  EXPECT_EQ(parse_redis_url("redis://10.0.0.5:6380/2").host, "10.0.0.5");
  EXPECT_EQ(parse_redis_url("redis://10.0.0.5:6380/2").port, 6380);
  EXPECT_EQ(parse_redis_url("redis://localhost").port, 6379);
  EXPECT_THROW(parse_redis_url("http://x"), std::invalid_argument);
  EXPECT_THROW(parse_redis_url("redis://:12"), std::invalid_argument);
  EXPECT_THROW(parse_redis_url("redis://h:99999"), std::invalid_argument);
}

TEST(RedisUrl, CarriesCredentialsAndNeverRepeatsThem) {
  const RedisAddress a = parse_redis_url("redis://:p%40ss%20w0rd%3A%2F@cache.internal:6390/0");
  EXPECT_EQ(a.host, "cache.internal");
  EXPECT_EQ(a.port, 6390);
  EXPECT_EQ(a.username, "");
  EXPECT_EQ(a.password, "p@ss w0rd:/");
  const RedisAddress b = parse_redis_url("redis://weft:s3cret@h");
  EXPECT_EQ(b.username, "weft");
  EXPECT_EQ(b.password, "s3cret");
  EXPECT_EQ(b.host, "h");
  EXPECT_EQ(b.port, 6379);
  EXPECT_EQ(parse_redis_url("redis://h").password, "");
  for (const char* bad : {"redis://:hunter2@h:0", "redis://:hunter2@", "redis://:hunter2%zz@h",
                          "redis://:hunter2%2@h"}) {
    try {
      parse_redis_url(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Redis, RedisBusTest,
    testing::Values(Backend{"Redis",
                            [](boost::asio::io_context& ioc, std::shared_ptr<Hub>) {
                              return std::unique_ptr<Bus>(
                                  new RedisBus(ioc, parse_redis_url(redis_url())));
                            },
                            true}),
    [](const testing::TestParamInfo<Backend>& info) { return info.param.name; });

// ---- Redis Cluster only ----

// A synchronous command to one node of the test cluster; the reply as text (integers too), or
// the elements of an array reply joined by '\n'.
std::string node_command(int port, const std::vector<std::string>& args) {
  redisContext* c = redisConnect("127.0.0.1", port);
  if (c == nullptr || c->err) {
    if (c != nullptr) redisFree(c);
    return "(cannot connect)";
  }
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
  std::string out;
  const auto one = [](const redisReply* r) {
    if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
    if (r->str != nullptr) return std::string(r->str, r->len);
    return std::string();
  };
  if (reply != nullptr) {
    if (reply->type == REDIS_REPLY_ARRAY) {
      for (size_t i = 0; i < reply->elements; ++i) out += (i ? "\n" : "") + one(reply->element[i]);
    } else {
      out = one(reply);
    }
    freeReplyObject(reply);
  }
  redisFree(c);
  return out;
}

std::vector<int> cluster_ports() {
  std::vector<int> ports;
  for (const auto& node : parse_redis_nodes(cluster_url())) ports.push_back(node.port);
  return ports;
}

// The masters as CLUSTER NODES says: port → node id.
std::map<int, std::string> masters() {
  std::map<int, std::string> out;
  for (int port : cluster_ports()) {
    const std::string nodes = node_command(port, {"CLUSTER", "NODES"});
    size_t at = 0;
    while (at < nodes.size()) {
      const size_t end = std::min(nodes.find('\n', at), nodes.size());
      const std::string line = nodes.substr(at, end - at);
      at = end + 1;
      if (line.find("master") == std::string::npos || line.find("fail") != std::string::npos)
        continue;
      const size_t colon = line.find(':');
      const size_t atsign = line.find('@');
      if (colon == std::string::npos || atsign == std::string::npos) continue;
      out[std::stoi(line.substr(colon + 1, atsign - colon - 1))] = line.substr(0, line.find(' '));
    }
    if (!out.empty()) return out;
  }
  return out;
}

// The master owning the channel's slot: the one that answers a GET of that name (keys and
// channels hash alike) instead of redirecting with MOVED. No side effect, unlike a SPUBLISH.
int master_of(const std::string& channel) {
  for (const auto& [port, id] : masters()) {
    const std::string r = node_command(port, {"GET", channel});
    if (r.rfind("MOVED", 0) != 0 && r.rfind("ASK", 0) != 0 && r != "(cannot connect)") return port;
  }
  return 0;
}

bool cluster_ok() {
  for (int port : cluster_ports()) {
    const std::string info = node_command(port, {"CLUSTER", "INFO"});
    if (info != "(cannot connect)" && info.find("cluster_state:ok") == std::string::npos)
      return false;
  }
  return true;
}

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return cond();
}

// Channels whose slots fall on every master: `per_master` for each.
std::vector<std::string> channels_on_every_master(size_t per_master) {
  std::map<int, std::vector<std::string>> by_master;
  for (int i = 0; i < 1000; ++i) {
    const std::string c = "weft:doc:" + std::to_string(1000 + i);
    auto& list = by_master[master_of(c)];
    if (list.size() < per_master) list.push_back(c);
    bool done = by_master.size() >= 3;
    for (const auto& [port, l] : by_master) done = done && port != 0 && l.size() >= per_master;
    if (done) break;
  }
  std::vector<std::string> out;
  for (const auto& [port, l] : by_master) out.insert(out.end(), l.begin(), l.end());
  return out;
}

class RedisClusterTest : public BusTest {
 protected:
  void SetUp() override {
    BusTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(eventually(cluster_ok, 20s)) << "the test cluster is not ok";
  }
};

TEST(RedisSlots, MatchRedis) {
  if (cluster_url().empty()) GTEST_SKIP() << "run under tests/redis/with-redis-cluster.sh";
  const int port = cluster_ports().front();
  for (const std::string key :
       {"weft:doc:1", "weft:doc:123456", "weft:project:7", "foo", "{user1000}.following", "a{}b",
        "{}x", "x{y}z{w}", "", "\xff\x00"}) {
    EXPECT_EQ(std::to_string(redis::key_slot(key)), node_command(port, {"CLUSTER", "KEYSLOT", key}))
        << key;
  }
  EXPECT_EQ(redis::key_slot("123456789"), 0x31C3 % redis::kSlots);  // the spec's check value
  EXPECT_EQ(redis::key_slot("{user1000}.following"), redis::key_slot("{user1000}.followers"));
}

// Each document's channel is a sharded channel on the master owning its slot: every master holds
// some, none is a classic (cluster-wide broadcast) channel, and messages arrive on each.
TEST_P(RedisClusterTest, ShardsChannelsOverEveryMaster) {
  Inbox& a_in = inbox();
  Inbox& b_in = inbox();
  const auto channels = channels_on_every_master(2);
  ASSERT_EQ(channels.size(), 6u);
  Bus& a = bus(a_in, {});
  Bus& b = bus(b_in, channels);
  EXPECT_TRUE(static_cast<RedisBus&>(b).clustered());
  EXPECT_EQ(b.stats().shards, 3u);
  for (const auto& c : channels) settle(a, b_in, c);
  for (const auto& [port, id] : masters()) {
    const std::string sharded = node_command(port, {"PUBSUB", "SHARDCHANNELS", "weft:*"});
    EXPECT_FALSE(sharded.empty()) << "no sharded channel on master " << port;
    for (const auto& c : channels) {
      EXPECT_EQ(sharded.find(c) != std::string::npos, master_of(c) == port) << c << " on " << port;
    }
    EXPECT_EQ(node_command(port, {"PUBSUB", "CHANNELS", "weft:*"}), "") << port;
  }
  for (const auto& c : channels) a.publish(c, bytes("hello " + c));
  for (const auto& c : channels) EXPECT_TRUE(b_in.wait([&] { return b_in.count_locked(c) == 1; }));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (b.stats().server_memory_bytes < 3 * 100'000u &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_GT(b.stats().server_memory_bytes, 3 * 100'000u);  // summed over the three masters
}

// kill -9 of a master: its replica is promoted, the buses move to it, report on_reconnect (for
// the server's anti-entropy) and deliver on every channel again. The node is started again
// afterwards (it rejoins as a replica) so that the cluster is whole for the next test.
TEST_P(RedisClusterTest, FollowsAFailover) {
  Inbox& a_in = inbox();
  Inbox& b_in = inbox();
  const auto channels = channels_on_every_master(1);
  Bus& a = bus(a_in, channels);
  Bus& b = bus(b_in, channels);
  for (const auto& c : channels) settle(a, b_in, c);
  const int victim = master_of(channels.front());
  const std::string dir = env("WEFT_TEST_REDIS_CLUSTER_DIR");
  const std::string pid = node_command(victim, {"INFO", "server"});
  const size_t at = pid.find("process_id:");
  ASSERT_NE(at, std::string::npos);
  const int before = b_in.reconnects;
  ASSERT_EQ(std::system(("kill -9 " + std::to_string(std::stoi(pid.substr(at + 11)))).c_str()), 0);
  ASSERT_TRUE(b_in.wait([&] { return b_in.reconnects > before; }, 20s)) << "no on_reconnect";
  ASSERT_TRUE(eventually([&] { return a.healthy() && b.healthy(); }, 10s));
  EXPECT_NE(master_of(channels.front()), victim);
  EXPECT_EQ(b.stats().shards, 3u);
  for (const auto& c : channels) settle(a, b_in, c);  // delivered again, on every shard
  ASSERT_EQ(
      std::system(("redis-server " + dir + "/" + std::to_string(victim) + "/redis.conf").c_str()),
      0);
  EXPECT_TRUE(eventually(cluster_ok, 20s));
}

// A slot moved to another master (CLUSTER SETSLOT … NODE, as a resharding does): the old owner
// ends the subscription (sunsubscribe), the bus subscribes on the new one, and says so.
TEST_P(RedisClusterTest, FollowsASlotMove) {
  Inbox& a_in = inbox();
  Inbox& b_in = inbox();
  const auto channels = channels_on_every_master(1);
  const std::string& moved = channels.front();
  Bus& a = bus(a_in, {});
  Bus& b = bus(b_in, channels);
  for (const auto& c : channels) settle(a, b_in, c);
  const auto ms = masters();
  const int from = master_of(moved);
  ASSERT_NE(from, 0);
  int to = 0;
  for (const auto& [port, id] : ms) {
    if (port != from) to = port;
  }
  const std::string slot = std::to_string(redis::key_slot(moved));
  EXPECT_EQ(node_command(to, {"CLUSTER", "SETSLOT", slot, "IMPORTING", ms.at(from)}), "OK");
  EXPECT_EQ(node_command(from, {"CLUSTER", "SETSLOT", slot, "MIGRATING", ms.at(to)}), "OK");
  const int before = b_in.reconnects;
  for (const auto& [port, id] : ms)
    EXPECT_EQ(node_command(port, {"CLUSTER", "SETSLOT", slot, "NODE", ms.at(to)}), "OK");
  ASSERT_TRUE(eventually([&] { return master_of(moved) == to; }, 10s));
  ASSERT_TRUE(b_in.wait([&] { return b_in.reconnects > before; }, 10s)) << "no on_reconnect";
  settle(a, b_in, moved);
  EXPECT_TRUE(eventually([&] { return b.healthy(); }, 5s));
  EXPECT_NE(node_command(to, {"PUBSUB", "SHARDCHANNELS", moved}), "");
  EXPECT_EQ(node_command(from, {"PUBSUB", "SHARDCHANNELS", moved}), "");
}

INSTANTIATE_TEST_SUITE_P(
    RedisCluster, RedisClusterTest,
    testing::Values(Backend{"RedisCluster",
                            [](boost::asio::io_context& ioc, std::shared_ptr<Hub>) {
                              return std::unique_ptr<Bus>(
                                  new RedisBus(ioc, parse_redis_nodes(cluster_url())));
                            },
                            false, true}),
    [](const testing::TestParamInfo<Backend>& info) { return info.param.name; });

TEST(RedisNodes, ParsesSeveralNodesWithTheFirstOnesCredentials) {
  const auto nodes = parse_redis_nodes("redis://:pw@10.0.0.1:7000, 10.0.0.2:7001,redis://h3");
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[1].host, "10.0.0.2");
  EXPECT_EQ(nodes[1].port, 7001);
  EXPECT_EQ(nodes[1].password, "pw");
  EXPECT_EQ(nodes[2].host, "h3");
  EXPECT_EQ(nodes[2].password, "");
  EXPECT_EQ(parse_redis_nodes("redis://h").size(), 1u);
  EXPECT_THROW(parse_redis_nodes("redis://h,,x"), std::invalid_argument);
  EXPECT_THROW(parse_redis_nodes("redis://h,:hunter2@x"), std::invalid_argument);
}

}  // namespace
}  // namespace bus
