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

std::string redis_url() {
  const char* url = std::getenv("WEFT_TEST_REDIS_URL");
  return url != nullptr ? url : "";
}

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
};
void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

class BusTest : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().needs_redis && redis_url().empty())
      GTEST_SKIP() << "WEFT_TEST_REDIS_URL is not set; run under tests/redis/with-redis.sh";
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
  Inbox& a_in = inbox();
  Inbox& b_in = inbox();
  Bus& a = bus(a_in, {});
  Bus& b = bus(b_in, {"weft:doc:7", "weft:doc:8"});
  settle(a, b_in, "weft:doc:7");
  settle(a, b_in, "weft:doc:8");
  b.unsubscribe("weft:doc:7");
  // doc 8 is still subscribed: once a doc-8 message published after the doc-7 one arrived, the
  // doc-7 one would have arrived before it (one publisher, one connection: ordered).
  for (int i = 0; i < 20 && b_in.count("weft:doc:7") + b_in.count("weft:doc:8") < 1; ++i) {
    a.publish("weft:doc:7", bytes("after"));
    a.publish("weft:doc:8", bytes("marker"));
    b_in.wait([&] { return b_in.count_locked("weft:doc:8") > 0; }, 100ms);
  }
  ASSERT_GT(b_in.count("weft:doc:8"), 0u);
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
                            true}),
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

}  // namespace
}  // namespace bus
