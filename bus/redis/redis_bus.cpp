// redis_bus.cpp — discovery, shards and their connections, subscriptions, publishing, health.
#include "bus/redis/redis_bus.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <charconv>
#include <map>

namespace bus {

namespace asio = boost::asio;
using redis::Connection;

namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(2000);
constexpr auto kPingEvery = std::chrono::milliseconds(2000);
constexpr unsigned kInfoEveryPings = 5;  // INFO memory every 10 s
constexpr auto kTick = std::chrono::milliseconds(500);
constexpr unsigned kTopologyEveryTicks = 10;  // CLUSTER SLOTS every 5 s while healthy

std::string_view text(const redisReply& r) { return {r.str, r.len}; }

}  // namespace

struct RedisBus::Shard {
  Shard(redis::Strand& strand, RedisAddress a) : address(std::move(a)), retry(strand) {}

  RedisAddress address;
  std::shared_ptr<Connection> sub;
  std::shared_ptr<Connection> pub;
  std::set<std::string> subscribed;          // (S)SUBSCRIBE sent on `sub`
  std::map<std::string, int> unsubscribing;  // (S)UNSUBSCRIBE sent, not yet confirmed
  size_t unconfirmed = 0;                    // (S)SUBSCRIBE sent, not yet confirmed
  bool awaiting_pong = false;
  uint64_t memory_bytes = 0;
  asio::steady_timer retry;
  std::chrono::milliseconds backoff = kFirstBackoff;
  bool retired = false;

  bool up() const { return sub && sub->up() && pub && pub->up(); }
  bool is(const redis::Node& n) const { return address.host == n.host && address.port == n.port; }
};

RedisBus::RedisBus(asio::io_context& ioc, std::vector<RedisAddress> nodes)
    : strand_(asio::make_strand(ioc)),
      seeds_(std::move(nodes)),
      tick_timer_(strand_),
      ping_timer_(strand_) {
  for (const auto& s : seeds_) known_.push_back({s.host, s.port});
}

RedisBus::~RedisBus() {
  // The event loop has stopped: nothing else runs, so the connections can be closed from here.
  stopped_ = true;
  if (probe_) probe_->close();
  for (auto& s : shards_) retire(*s);
}

void RedisBus::start() {
  asio::post(strand_, [this] {
    stopped_ = false;
    tick();
    ping();
  });
}

void RedisBus::stop() {
  asio::post(strand_, [this] {
    stopped_ = true;
    healthy_ = false;
    tick_timer_.cancel();
    ping_timer_.cancel();
    if (probe_) probe_->close();
    probe_.reset();
    for (auto& s : shards_) retire(*s);
  });
}

// ---- the slot map ----

// Every kTick: until the mode is known, and in a cluster while unhealthy, when Redis said the map
// changed, and every kTopologyEveryTicks, ask for CLUSTER SLOTS.
void RedisBus::tick() {
  if (stopped_) return;
  const bool cluster_due = mode_ == Mode::kCluster &&
                           (!healthy_ || refresh_wanted_ || ticks_ % kTopologyEveryTicks == 0);
  ++ticks_;
  if (mode_ == Mode::kUnknown || cluster_due) ask_topology();
  tick_timer_.expires_after(kTick);
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) tick();
  });
}

void RedisBus::ask_topology() {
  if (asking_) return;
  // Through a shard that is up, taking turns; else on a probe connection to the next node known.
  std::shared_ptr<Connection> via;
  for (size_t i = 0; i < shards_.size() && !via; ++i) {
    Shard& s = *shards_[(ticks_ + i) % shards_.size()];
    if (s.pub && s.pub->up()) via = s.pub;
  }
  if (!via && probe_) {
    if (!probe_->up()) return;  // still connecting
    via = probe_;
  }
  if (!via) {
    // Refused or unreachable nodes are tried ever more slowly (a wrong password is not retried
    // twice a second for ever).
    const auto now = std::chrono::steady_clock::now();
    if (now < next_probe_) return;
    const redis::Node node = known_[next_known_++ % known_.size()];
    RedisAddress address = seeds_.front();
    address.host = node.host;
    address.port = node.port;
    probe_ = Connection::open(strand_, std::move(address),
                              {.on_up =
                                   [this] {
                                     if (probe_) ask_topology();
                                   },
                               .on_lost =
                                   [this] {
                                     probe_.reset();
                                     next_probe_ =
                                         std::chrono::steady_clock::now() + probe_backoff_;
                                     probe_backoff_ = std::min(probe_backoff_ * 2, kMaxBackoff);
                                   },
                               .on_push = {}});
    return;
  }
  asking_ = true;
  refresh_wanted_ = false;
  const redis::Node asked{via->address().host, via->address().port};
  via->command({"CLUSTER", "SLOTS"},
               [this, asked](const redisReply* reply) { on_topology(reply, asked); });
}

void RedisBus::on_topology(const redisReply* reply, const redis::Node& asked) {
  asking_ = false;
  if (probe_) {
    probe_->close();
    probe_.reset();
  }
  if (reply == nullptr || stopped_) return;
  probe_backoff_ = kFirstBackoff;
  if (reply->type == REDIS_REPLY_ERROR) {
    const std::string_view error = text(*reply);
    if (mode_ == Mode::kUnknown && (error.find("cluster support disabled") != std::string::npos ||
                                    error.find("unknown command") != std::string::npos)) {
      mode_ = Mode::kStandalone;
      spdlog::info("redis: {}:{} is a single server (pub/sub with SUBSCRIBE/PUBLISH)", asked.host,
                   asked.port);
      shards_.push_back(make_shard(asked));
      connect(shards_.back());
      return;
    }
    spdlog::warn("redis: CLUSTER SLOTS on {}:{}: {}", asked.host, asked.port, error);
    return;
  }
  const std::vector<redis::SlotRange> ranges = redis::parse_cluster_slots(*reply, asked);
  if (ranges.empty()) {
    spdlog::warn("redis: {}:{} sent no usable slot map", asked.host, asked.port);
    return;
  }
  if (mode_ == Mode::kUnknown) {
    mode_ = Mode::kCluster;
    clustered_ = true;
    slots_.assign(redis::kSlots, nullptr);
  }
  apply(ranges);
}

RedisBus::ShardPtr RedisBus::make_shard(const redis::Node& node) {
  RedisAddress address = seeds_.front();  // the credentials
  address.host = node.host;
  address.port = node.port;
  return std::make_shared<Shard>(strand_, std::move(address));
}

// A new slot map: a shard for each master (new ones opened, former ones closed), and every
// channel's subscription moved to the shard now owning its slot.
void RedisBus::apply(const std::vector<redis::SlotRange>& ranges) {
  std::vector<ShardPtr> next;
  std::vector<ShardPtr> opened;
  std::vector<Shard*> slots(redis::kSlots, nullptr);
  const auto shard_for = [&](const redis::Node& node) -> Shard* {
    for (auto& s : next) {
      if (s->is(node)) return s.get();
    }
    auto found = std::find_if(shards_.begin(), shards_.end(),
                              [&](const ShardPtr& s) { return s->is(node); });
    if (found != shards_.end()) {
      next.push_back(*found);
    } else {
      next.push_back(make_shard(node));
      opened.push_back(next.back());
    }
    return next.back().get();
  };
  const auto learn = [&](const redis::Node& node) {
    if (std::find(known_.begin(), known_.end(), node) == known_.end()) known_.push_back(node);
  };
  for (const auto& range : ranges) {
    Shard* shard = shard_for(range.master);
    for (uint32_t slot = range.first; slot <= range.last; ++slot) slots[slot] = shard;
    learn(range.master);
    for (const auto& r : range.replicas) learn(r);
  }
  if (slots == slots_ && opened.empty()) return;  // nothing moved
  for (auto& s : shards_) {
    if (std::find(next.begin(), next.end(), s) == next.end()) {
      spdlog::info("redis: {}:{} no longer serves slots; its shard is closed", s->address.host,
                   s->address.port);
      retire(*s);
    }
  }
  for (auto& s : opened)
    spdlog::info("redis: master {}:{} joins the shards", s->address.host, s->address.port);
  shards_ = std::move(next);
  slots_ = std::move(slots);
  for (auto& s : opened) connect(s);
  // Subscriptions held on a shard that no longer owns their slot go; the owner takes them.
  for (auto& s : shards_) {
    std::vector<std::string> moved;
    for (const auto& c : s->subscribed) {
      if (owner(c) != s.get()) moved.push_back(c);
    }
    for (const auto& c : moved) send_unsubscribe(*s, c);
  }
  for (const auto& c : channels_) place(c);
  update_health();
}

// ---- shards ----

void RedisBus::connect(const ShardPtr& shard) {
  if (stopped_ || shard->retired) return;
  const std::weak_ptr<Shard> weak = shard;
  const auto handlers = [this, weak](bool sub) {
    return Connection::Handlers{
        .on_up =
            [this, weak, sub] {
              if (auto s = weak.lock()) on_up(s, sub);
            },
        .on_lost =
            [this, weak, sub] {
              if (auto s = weak.lock()) on_lost(s, sub);
            },
        .on_push = sub ? std::function<void(const redisReply&)>([this, weak](const redisReply& r) {
          if (auto s = weak.lock()) on_push(*s, r);
        })
                       : nullptr};
  };
  if (!shard->sub) shard->sub = Connection::open(strand_, shard->address, handlers(true));
  if (!shard->pub) shard->pub = Connection::open(strand_, shard->address, handlers(false));
}

void RedisBus::on_up(const ShardPtr& s, bool sub) {
  if (stopped_ || s->retired) return;
  if (sub) {
    for (const auto& c : channels_) {
      if (owner(c) == s.get()) send_subscribe(*s, c);
    }
  } else {
    sample_memory(s);
  }
  if (s->up()) s->backoff = kFirstBackoff;
  update_health();
}

void RedisBus::on_lost(const ShardPtr& s, bool sub) {
  if (s->retired) return;
  if (sub) {
    s->sub.reset();
    s->subscribed.clear();
    s->unsubscribing.clear();
    s->unconfirmed = 0;
  } else {
    s->pub.reset();
    s->awaiting_pong = false;
  }
  update_health();
  if (stopped_) return;
  refresh_wanted_ = mode_ == Mode::kCluster;  // its master may have failed over
  s->retry.expires_after(s->backoff);
  s->backoff = std::min(s->backoff * 2, std::chrono::milliseconds(kMaxBackoff));
  s->retry.async_wait([this, weak = std::weak_ptr<Shard>(s)](boost::system::error_code ec) {
    if (auto shard = weak.lock(); !ec && shard) connect(shard);
  });
}

void RedisBus::retire(Shard& s) {
  s.retired = true;
  s.retry.cancel();
  for (auto* c : {&s.sub, &s.pub}) {
    if (*c) (*c)->close();
    c->reset();
  }
}

void RedisBus::on_push(Shard& s, const redisReply& push) {
  if (push.elements < 3 || push.element[1]->type != REDIS_REPLY_STRING) return;
  std::string kind(text(*push.element[0]));
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  const std::string channel(text(*push.element[1]));
  if (kind == "message" || kind == "smessage") {
    const redisReply& data = *push.element[2];
    if (data.type != REDIS_REPLY_STRING || stopped_ || !handlers_.on_message) return;
    const auto* bytes = reinterpret_cast<const uint8_t*>(data.str);
    handlers_.on_message(channel,
                         std::make_shared<const std::vector<uint8_t>>(bytes, bytes + data.len));
    return;
  }
  if (kind == "subscribe" || kind == "ssubscribe") {
    const bool was_up = healthy_.load();
    if (s.unconfirmed > 0 && --s.unconfirmed == 0) update_health();
    // While restoring subscriptions after a loss, on_reconnect (from update_health) speaks.
    if (was_up && !stopped_ && handlers_.on_subscribed) handlers_.on_subscribed(channel);
    return;
  }
  if (kind == "unsubscribe" || kind == "sunsubscribe") {
    if (auto it = s.unsubscribing.find(channel); it != s.unsubscribing.end()) {
      if (--it->second == 0) s.unsubscribing.erase(it);
      return;  // ours
    }
    // The server ended it: its slot moved to another master.
    if (s.subscribed.erase(channel) > 0) {
      spdlog::info("redis: {}:{} ended the subscription of {}; asking for the slot map",
                   s.address.host, s.address.port, channel);
      refresh_wanted_ = true;
      update_health();
    }
  }
}

// ---- channels ----

RedisBus::Shard* RedisBus::owner(const std::string& channel) const {
  if (mode_ == Mode::kStandalone) return shards_.empty() ? nullptr : shards_.front().get();
  if (mode_ == Mode::kCluster) return slots_[redis::key_slot(channel)];
  return nullptr;
}

// Subscribes on the channel's owner when it can and has not yet.
void RedisBus::place(const std::string& channel) {
  Shard* s = owner(channel);
  if (s == nullptr || !s->sub || !s->sub->up() || s->subscribed.count(channel) > 0) return;
  send_subscribe(*s, channel);
}

void RedisBus::send_subscribe(Shard& s, const std::string& channel) {
  if (!s.subscribed.insert(channel).second) return;
  ++s.unconfirmed;
  s.sub->subscription(mode_ == Mode::kCluster ? "SSUBSCRIBE" : "SUBSCRIBE", channel);
}

void RedisBus::send_unsubscribe(Shard& s, const std::string& channel) {
  if (s.subscribed.erase(channel) == 0 || !s.sub || !s.sub->up()) return;
  ++s.unsubscribing[channel];
  s.sub->subscription(mode_ == Mode::kCluster ? "SUNSUBSCRIBE" : "UNSUBSCRIBE", channel);
}

void RedisBus::subscribe(const std::string& channel) {
  asio::post(strand_, [this, channel] {
    if (!channels_.insert(channel).second) return;
    Shard* s = owner(channel);
    if (s != nullptr && s->sub && s->sub->up()) {
      // Made while up, the bus stays healthy; on_subscribed says when it is in place.
      send_subscribe(*s, channel);
      return;
    }
    update_health();  // it cannot be placed yet: the bus is not healthy until it is
  });
}

void RedisBus::unsubscribe(const std::string& channel) {
  asio::post(strand_, [this, channel] {
    if (channels_.erase(channel) == 0) return;
    for (auto& s : shards_) send_unsubscribe(*s, channel);
    update_health();
  });
}

void RedisBus::publish(const std::string& channel, Payload payload) {
  asio::post(strand_, [this, channel, payload = std::move(payload)] {
    Shard* s = owner(channel);
    // Down: dropped; anti-entropy recovers it once the bus is healthy again.
    if (s == nullptr || !s->pub || !s->pub->up()) return;
    const bool cluster = mode_ == Mode::kCluster;
    const auto sent = std::chrono::steady_clock::now();
    s->pub->command(
        {cluster ? "SPUBLISH" : "PUBLISH", channel,
         std::string_view(reinterpret_cast<const char*>(payload->data()), payload->size())},
        [this, sent](const redisReply* reply) {
          if (reply == nullptr || stopped_) return;
          if (reply->type == REDIS_REPLY_ERROR) {
            // MOVED/ASK (a slot on its way to another master), CLUSTERDOWN, TRYAGAIN: the message
            // is lost; the new map, then a state-vector exchange, make up for it.
            spdlog::debug("redis: a publication was refused: {}", text(*reply));
            refresh_wanted_ = true;
            resync_ = true;
            return;
          }
          if (handlers_.on_published)
            handlers_.on_published(std::chrono::steady_clock::now() - sent);
        });
  });
}

// ---- health, liveness, metrics ----

void RedisBus::update_health() {
  size_t up = 0;
  bool now = mode_ != Mode::kUnknown && !shards_.empty() && !stopped_;
  for (const auto& s : shards_) {
    const bool shard_up = s->up();
    up += shard_up;
    now = now && shard_up && s->unconfirmed == 0;
  }
  shards_up_ = up;
  // Only with every connection up is it worth looking at each channel.
  for (auto it = channels_.begin(); now && it != channels_.end(); ++it) {
    const Shard* s = owner(*it);
    now = s != nullptr && s->subscribed.count(*it) > 0;
  }
  const bool was = healthy_.load();
  healthy_ = now;
  if (!now) return;
  // Up again after a loss, up for the first time, or after a refused publication: what was
  // published meanwhile was dropped. That includes the first start: an instance serves before
  // its connections are up (a restarted one gets clients at once), and the rooms loaded then must
  // ask their peers for what they missed, as after a reconnect.
  if (was && !resync_) return;
  resync_ = false;
  if (handlers_.on_reconnect) handlers_.on_reconnect();
}

// A PING on each `pub` every kPingEvery; one still unanswered at the next tick means Redis hangs,
// and the connection is dropped to reconnect (and report unhealthy meanwhile).
void RedisBus::ping() {
  if (stopped_) return;
  const bool sample = ++pings_ % kInfoEveryPings == 1;
  for (const auto& s : std::vector<ShardPtr>(shards_)) {
    if (!s->pub || !s->pub->up()) continue;
    if (s->awaiting_pong) {
      spdlog::warn("redis: {}:{} did not answer PING; reconnecting", s->address.host,
                   s->address.port);
      s->pub->close();
      on_lost(s, false);
      continue;
    }
    s->awaiting_pong = true;
    const std::weak_ptr<Shard> weak = s;
    s->pub->command({"PING"}, [weak](const redisReply* r) {
      if (auto shard = weak.lock(); shard && r != nullptr) shard->awaiting_pong = false;
    });
    if (sample) sample_memory(s);
  }
  ping_timer_.expires_after(kPingEvery);
  ping_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) ping();
  });
}

// INFO memory on the shard's `pub`: on connecting, then every kInfoEveryPings pings.
void RedisBus::sample_memory(const ShardPtr& s) {
  const std::weak_ptr<Shard> weak = s;
  s->pub->command({"INFO", "memory"}, [this, weak](const redisReply* r) {
    auto shard = weak.lock();
    if (!shard || r == nullptr || r->type != REDIS_REPLY_STRING) return;  // or INFO refused
    constexpr std::string_view kField = "used_memory:";
    const std::string_view info = text(*r);
    const size_t at = info.find(kField);
    if (at == std::string_view::npos) return;
    const char* first = info.data() + at + kField.size();
    uint64_t bytes = 0;
    if (std::from_chars(first, info.data() + info.size(), bytes).ec != std::errc()) return;
    shard->memory_bytes = bytes;
    uint64_t total = 0;
    for (const auto& each : shards_) total += each->memory_bytes;
    server_memory_bytes_ = total;
  });
}

Bus::Stats RedisBus::stats() const {
  return {.server_memory_bytes = server_memory_bytes_.load(std::memory_order_relaxed),
          .shards = shards_up_.load(std::memory_order_relaxed)};
}

}  // namespace bus
