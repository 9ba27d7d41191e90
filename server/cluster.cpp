// cluster.cpp — envelopes, routing bus messages to rooms, and the instance heartbeat.
#include "server/cluster.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <charconv>
#include <utility>

#include "server/metrics.hpp"
#include "server/room.hpp"
#include "server/room_registry.hpp"

namespace weft {

namespace {

constexpr auto kHeartbeatEvery = std::chrono::seconds(5);
constexpr auto kPresumedDeadAfter = std::chrono::seconds(15);

// "weft:doc:123" → 123, "weft:project:7" → -7 (the project room's key, bus::channel_of); 0 for
// anything else.
int64_t document_of(std::string_view channel) {
  constexpr std::string_view kDoc = "weft:doc:";
  constexpr std::string_view kProject = "weft:project:";
  int64_t sign = 1;
  if (channel.substr(0, kDoc.size()) == kDoc) {
    channel.remove_prefix(kDoc.size());
  } else if (channel.substr(0, kProject.size()) == kProject) {
    channel.remove_prefix(kProject.size());
    sign = -1;
  } else {
    return 0;
  }
  int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(channel.data(), channel.data() + channel.size(), id);
  return ec == std::errc() && ptr == channel.data() + channel.size() && id > 0 ? sign * id : 0;
}

}  // namespace

Cluster::Cluster(boost::asio::io_context& ioc, bus::Bus& bus, bool enabled, std::string instance_id,
                 Metrics& metrics, RoomRegistry& rooms)
    : bus_(bus),
      enabled_(enabled),
      instance_id_(std::move(instance_id)),
      metrics_(metrics),
      rooms_(rooms),
      strand_(boost::asio::make_strand(ioc)),
      timer_(strand_) {}

void Cluster::start() {
  if (!enabled_) return;
  bus_.set_handlers(
      {.on_message = [this](const std::string& channel,
                            bus::Payload payload) { on_message(channel, payload); },
       .on_reconnect =
           [this] {
             if (std::exchange(bus_was_up_, true))
               metrics_.bus_reconnects.fetch_add(1, std::memory_order_relaxed);
             const auto rooms = rooms_.all();
             if (rooms.empty()) return;
             spdlog::info("bus up: {} documents ask their peers for what was missed", rooms.size());
             for (const auto& room : rooms) room->request_sync();
           },
       .on_subscribed =
           [this](const std::string& channel) {
             // The sync request a room sent on loading may have been answered
             // before its subscription was in place: ask again now it is.
             const int64_t id = document_of(channel);
             if (id == 0) return;
             if (const auto room = rooms_.find(id)) room->request_sync();
           },
       .on_published =
           [this](std::chrono::nanoseconds took) {
             metrics_.bus_publish_seconds.observe(std::chrono::duration<double>(took).count());
           }});
  bus_.subscribe(bus::kInstancesChannel);
  bus_.start();
  boost::asio::post(strand_, [this] { heartbeat(); });
}

void Cluster::stop() {
  if (!enabled_) return;
  const Envelope bye{instance_id_, {{PartKind::kBye, {}}}};
  bus_.publish(bus::kInstancesChannel, std::make_shared<const crdt::Bytes>(encode_envelope(bye)));
  boost::asio::post(strand_, [this] { timer_.cancel(); });
}

// Counted per document: a room that unloads and one loaded again at once for the same document
// overlap (the registry forgets the old one before it unsubscribes), and the bus must end up
// subscribed. The lock is held while the bus is told, so the bus sees the calls in count order.
void Cluster::subscribe(int64_t document_id) {
  if (!enabled_) return;
  std::lock_guard lock(subscriptions_mu_);
  if (subscriptions_[document_id]++ > 0) return;
  bus_.subscribe(bus::channel_of(document_id));
  metrics_.bus_channels.fetch_add(1, std::memory_order_relaxed);
}

void Cluster::unsubscribe(int64_t document_id) {
  if (!enabled_) return;
  std::lock_guard lock(subscriptions_mu_);
  const auto it = subscriptions_.find(document_id);
  if (it == subscriptions_.end() || --it->second > 0) return;
  subscriptions_.erase(it);
  bus_.unsubscribe(bus::channel_of(document_id));
  metrics_.bus_channels.fetch_sub(1, std::memory_order_relaxed);
}

void Cluster::publish(int64_t document_id, std::vector<Part> parts) {
  if (!enabled_ || parts.empty()) return;
  const Envelope e{instance_id_, std::move(parts)};
  auto payload = std::make_shared<const crdt::Bytes>(encode_envelope(e));
  metrics_.bus_published_bytes.fetch_add(payload->size(), std::memory_order_relaxed);
  bus_.publish(bus::channel_of(document_id), std::move(payload));
  metrics_.bus_published.fetch_add(1, std::memory_order_relaxed);
}

void Cluster::sign_out(const SignOut& s) {
  for (const auto& room : rooms_.all()) room->sign_out(s);
  if (!enabled_) return;
  const Envelope e{instance_id_, {{PartKind::kSignedOut, encode_sign_out(s)}}};
  bus_.publish(bus::kInstancesChannel, std::make_shared<const crdt::Bytes>(encode_envelope(e)));
}

void Cluster::on_message(const std::string& channel, const bus::Payload& payload) {
  Envelope e;
  try {
    e = decode_envelope(*payload);
  } catch (const crdt::DecodeError& err) {
    spdlog::warn("bus: dropping a malformed message on {}: {}", channel, err.what());
    return;
  }
  if (e.instance == instance_id_) return;  // our own echo
  metrics_.bus_received.fetch_add(1, std::memory_order_relaxed);
  metrics_.bus_received_bytes.fetch_add(payload->size(), std::memory_order_relaxed);
  if (channel == bus::kInstancesChannel) {
    for (const Part& p : e.parts) {
      if (p.kind == PartKind::kAlive) {
        std::lock_guard lock(mu_);
        peers_[e.instance] = std::chrono::steady_clock::now();
      } else if (p.kind == PartKind::kBye) {
        {
          std::lock_guard lock(mu_);
          peers_.erase(e.instance);
        }
        spdlog::info("instance {} left", e.instance);
        for (const auto& room : rooms_.all()) room->forget_instance(e.instance);
      } else if (p.kind == PartKind::kSignedOut) {
        try {
          const SignOut s = decode_sign_out(p.data);
          for (const auto& room : rooms_.all()) room->sign_out(s);
        } catch (const crdt::DecodeError& err) {
          spdlog::warn("bus: dropping a malformed sign-out from {}: {}", e.instance, err.what());
        }
      }
    }
    return;
  }
  const int64_t id = document_of(channel);
  if (id == 0) return;
  {
    std::lock_guard lock(mu_);
    peers_[e.instance] = std::chrono::steady_clock::now();
  }
  if (const auto room = rooms_.find(id)) room->on_bus(std::move(e));
}

void Cluster::heartbeat() {
  const Envelope alive{instance_id_, {{PartKind::kAlive, {}}}};
  bus_.publish(bus::kInstancesChannel, std::make_shared<const crdt::Bytes>(encode_envelope(alive)));
  std::vector<std::string> dead;
  {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = peers_.begin(); it != peers_.end();) {
      if (now - it->second > kPresumedDeadAfter) {
        dead.push_back(it->first);
        it = peers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& instance : dead) {
    spdlog::warn("instance {} silent for {} s: removing its clients' presence", instance,
                 kPresumedDeadAfter.count());
    for (const auto& room : rooms_.all()) room->forget_instance(instance);
  }
  timer_.expires_after(kHeartbeatEvery);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) heartbeat();
  });
}

}  // namespace weft
