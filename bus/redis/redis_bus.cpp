// redis_bus.cpp — hiredis's event hooks on Asio, reconnection, subscriptions and publishing.
#include "bus/redis/redis_bus.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <charconv>
#include <memory>
#include <optional>
#include <stdexcept>

namespace bus {

namespace asio = boost::asio;

namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(2000);
constexpr auto kPingEvery = std::chrono::milliseconds(2000);
constexpr unsigned kInfoEveryPings = 5;  // INFO memory every 10 s

}  // namespace

namespace {

// %XX escapes of a URL's user and password ("p%40ss" → "p@ss").
std::string url_decode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    int value = 0;
    const char* first = in.data() + i + 1;
    const auto [ptr, ec] = i + 2 < in.size()
                               ? std::from_chars(first, first + 2, value, 16)
                               : std::from_chars_result{first, std::errc::invalid_argument};
    if (ec != std::errc() || ptr != first + 2)
      throw std::invalid_argument("bad %-escape in the user or password of --redis");
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

}  // namespace

RedisAddress parse_redis_url(const std::string& url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.rfind(kScheme, 0) != 0)
    throw std::invalid_argument("expected redis://[[user]:password@]host[:port][/db]");
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  rest = rest.substr(0, rest.find('/'));
  RedisAddress address;
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = userinfo.find(':');
    address.username = url_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) address.password = url_decode(userinfo.substr(colon + 1));
  }
  // Error messages name the host part only: the URL may hold a password.
  const std::string shown(rest);
  const size_t colon = rest.rfind(':');
  address.host = std::string(rest.substr(0, colon));
  if (colon != std::string_view::npos) {
    const std::string_view port = rest.substr(colon + 1);
    int value = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value <= 0 || value > 65535)
      throw std::invalid_argument("bad port in redis://…" + shown);
    address.port = value;
  }
  if (address.host.empty()) throw std::invalid_argument("no host in --redis");
  return address;
}

// One hiredis connection. `generation` changes with every connection attempt, so a wait that
// completes after its connection was replaced does nothing.
struct RedisBus::Link {
  Link(RedisBus& b, asio::strand<asio::io_context::executor_type>& strand)
      : bus(b), retry(strand) {}

  RedisBus& bus;
  redisAsyncContext* ac = nullptr;
  std::optional<asio::posix::stream_descriptor> socket;
  bool want_read = false;
  bool want_write = false;
  bool reading = false;
  bool writing = false;
  bool connected = false;
  bool awaiting_pong = false;
  uint64_t generation = 0;
  asio::steady_timer retry;
  std::chrono::milliseconds backoff = kFirstBackoff;

  // ---- hiredis's event hooks (privdata is the Link) ----
  static void add_read(void* p) {
    auto* l = static_cast<Link*>(p);
    l->want_read = true;
    l->arm(true);
  }
  static void del_read(void* p) { static_cast<Link*>(p)->want_read = false; }
  static void add_write(void* p) {
    auto* l = static_cast<Link*>(p);
    l->want_write = true;
    l->arm(false);
  }
  static void del_write(void* p) { static_cast<Link*>(p)->want_write = false; }
  // The context is being freed: let go of its socket (hiredis closes it) and forget it.
  static void cleanup(void* p) {
    auto* l = static_cast<Link*>(p);
    l->want_read = l->want_write = false;
    if (l->socket) {
      l->socket->release();  // cancels the pending waits
      l->socket.reset();
    }
    l->ac = nullptr;
  }

  // Waits for readiness once; on it, lets hiredis read/write, then waits again while wanted.
  void arm(bool read) {
    bool& busy = read ? reading : writing;
    if (busy || !socket) return;
    busy = true;
    socket->async_wait(read ? asio::posix::stream_descriptor::wait_read
                            : asio::posix::stream_descriptor::wait_write,
                       asio::bind_executor(bus.strand_, [this, read, gen = generation](
                                                            boost::system::error_code ec) {
                         (read ? reading : writing) = false;
                         if (ec || gen != generation || ac == nullptr) return;
                         if (read ? want_read : want_write) {
                           if (read) {
                             redisAsyncHandleRead(ac);
                           } else {
                             redisAsyncHandleWrite(ac);
                           }
                         }
                         if (gen == generation && ac != nullptr && (read ? want_read : want_write))
                           arm(read);
                       }));
  }
};

namespace {

RedisBus::Link& link_of(const redisAsyncContext* ac) {
  return *static_cast<RedisBus::Link*>(ac->ev.data);
}

}  // namespace

RedisBus::RedisBus(asio::io_context& ioc, RedisAddress address)
    : strand_(asio::make_strand(ioc)),
      address_(std::move(address)),
      sub_(std::make_unique<Link>(*this, strand_)),
      pub_(std::make_unique<Link>(*this, strand_)),
      ping_timer_(strand_) {}

RedisBus::~RedisBus() {
  // The event loop has stopped: nothing else runs, so the contexts can be freed from here.
  stopped_ = true;
  for (Link* l : {sub_.get(), pub_.get()}) {
    if (l->ac != nullptr) redisAsyncFree(l->ac);
  }
}

void RedisBus::start() {
  asio::post(strand_, [this] {
    stopped_ = false;
    connect(*sub_);
    connect(*pub_);
    ping();
  });
}

void RedisBus::stop() {
  asio::post(strand_, [this] {
    stopped_ = true;
    healthy_ = false;
    ping_timer_.cancel();
    for (Link* l : {sub_.get(), pub_.get()}) {
      l->retry.cancel();
      if (l->ac != nullptr && l->connected) redisAsyncDisconnect(l->ac);
    }
  });
}

void RedisBus::connect(Link& l) {
  if (stopped_) return;
  ++l.generation;
  l.connected = false;
  l.awaiting_pong = false;
  redisAsyncContext* ac = redisAsyncConnect(address_.host.c_str(), address_.port);
  if (ac == nullptr || ac->err) {
    if (ac != nullptr) redisAsyncFree(ac);
    schedule_reconnect(l);
    return;
  }
  l.ac = ac;
  l.socket.emplace(strand_, ac->c.fd);
  ac->ev.data = &l;
  ac->ev.addRead = Link::add_read;
  ac->ev.delRead = Link::del_read;
  ac->ev.addWrite = Link::add_write;
  ac->ev.delWrite = Link::del_write;
  ac->ev.cleanup = Link::cleanup;
  redisAsyncSetConnectCallback(ac, [](const redisAsyncContext* c, int status) {
    Link& link = link_of(c);
    link.bus.on_connected(link, status == REDIS_OK);
  });
  redisAsyncSetDisconnectCallback(ac, [](const redisAsyncContext* c, int) {
    Link& link = link_of(c);
    link.bus.on_lost(link);
  });
  // hiredis waits for writability to learn that the non-blocking connect finished.
  Link::add_write(&l);
}

void RedisBus::on_connected(Link& l, bool ok) {
  if (!ok) {  // hiredis frees the context after this callback
    l.connected = false;
    schedule_reconnect(l);
    return;
  }
  l.connected = true;
  // With a password the backoff starts over only once AUTH is accepted, so that a wrong one is
  // retried ever more slowly (up to kMaxBackoff), not ten times a second.
  if (address_.password.empty()) l.backoff = kFirstBackoff;
  // First on the connection: the commands after it are pipelined behind it and fail (NOAUTH) if
  // it does; then the link is dropped and tried again later, and the bus stays unhealthy.
  if (!address_.password.empty()) authenticate(l);
  if (&l == sub_.get()) {
    for (const auto& channel : channels_) send_subscribe(channel);
  }
  update_health();
}

void RedisBus::authenticate(Link& l) {
  const auto on_reply = [](redisAsyncContext* c, void* r, void*) {
    const auto* reply = static_cast<const redisReply*>(r);
    if (reply == nullptr) return;
    if (reply->type != REDIS_REPLY_ERROR) {
      link_of(c).backoff = kFirstBackoff;
      return;
    }
    // The reply names no secret ("WRONGPASS invalid username-password pair…").
    spdlog::error("redis refused the credentials of --redis: {}",
                  std::string_view(reply->str, reply->len));
    redisAsyncDisconnect(c);
  };
  if (address_.username.empty()) {
    redisAsyncCommand(l.ac, on_reply, nullptr, "AUTH %b", address_.password.data(),
                      address_.password.size());
  } else {
    redisAsyncCommand(l.ac, on_reply, nullptr, "AUTH %b %b", address_.username.data(),
                      address_.username.size(), address_.password.data(), address_.password.size());
  }
}

void RedisBus::on_lost(Link& l) {
  l.connected = false;
  if (&l == sub_.get()) unconfirmed_ = 0;
  healthy_ = false;
  schedule_reconnect(l);
}

void RedisBus::schedule_reconnect(Link& l) {
  if (stopped_) return;
  l.retry.expires_after(l.backoff);
  l.backoff =
      std::min(l.backoff * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kMaxBackoff));
  l.retry.async_wait([this, &l](boost::system::error_code ec) {
    if (!ec && l.ac == nullptr) connect(l);
  });
}

void RedisBus::update_health() {
  const bool now = sub_->connected && pub_->connected && unconfirmed_ == 0;
  if (now == healthy_.load()) return;
  healthy_ = now;
  if (!now) return;
  // Up again after a loss, or up for the first time: either way what was published meanwhile was
  // dropped (publish() sends nothing while disconnected). That includes the first start: an
  // instance serves before its links are up (a restarted one gets clients at once), and the rooms
  // loaded then must ask their peers for what they missed, as after a reconnect.
  if (handlers_.on_reconnect) handlers_.on_reconnect();
}

void RedisBus::send_subscribe(const std::string& channel) {
  ++unconfirmed_;
  redisAsyncCommand(
      sub_->ac,
      [](redisAsyncContext* c, void* r, void*) {
        const auto* reply = static_cast<const redisReply*>(r);
        if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) return;
        const redisReply* kind = reply->element[0];
        if (kind->type != REDIS_REPLY_STRING) return;
        const std::string_view what(kind->str, kind->len);
        if (what == "subscribe") {
          RedisBus& bus = link_of(c).bus;
          const bool was_up = bus.healthy_.load();
          if (bus.unconfirmed_ > 0 && --bus.unconfirmed_ == 0) bus.update_health();
          // While restoring subscriptions after a loss, on_reconnect (from update_health) speaks.
          const redisReply* chan = reply->element[1];
          if (was_up && !bus.stopped_ && bus.handlers_.on_subscribed &&
              chan->type == REDIS_REPLY_STRING)
            bus.handlers_.on_subscribed(std::string(chan->str, chan->len));
          return;
        }
        if (what != "message") return;
        const redisReply* chan = reply->element[1];
        const redisReply* data = reply->element[2];
        if (chan->type != REDIS_REPLY_STRING || data->type != REDIS_REPLY_STRING) return;
        RedisBus& bus = link_of(c).bus;
        if (bus.stopped_ || !bus.handlers_.on_message) return;
        const auto* bytes = reinterpret_cast<const uint8_t*>(data->str);
        bus.handlers_.on_message(
            std::string(chan->str, chan->len),
            std::make_shared<const std::vector<uint8_t>>(bytes, bytes + data->len));
      },
      nullptr, "SUBSCRIBE %b", channel.data(), channel.size());
}

void RedisBus::subscribe(const std::string& channel) {
  asio::post(strand_, [this, channel] {
    if (!channels_.insert(channel).second) return;
    if (sub_->connected) send_subscribe(channel);
  });
}

void RedisBus::unsubscribe(const std::string& channel) {
  asio::post(strand_, [this, channel] {
    if (channels_.erase(channel) == 0) return;
    if (sub_->connected)
      redisAsyncCommand(sub_->ac, nullptr, nullptr, "UNSUBSCRIBE %b", channel.data(),
                        channel.size());
  });
}

void RedisBus::publish(const std::string& channel, Payload payload) {
  asio::post(strand_, [this, channel, payload = std::move(payload)] {
    if (!pub_->connected) return;  // lost; anti-entropy recovers it after the reconnect
    if (!handlers_.on_published) {
      redisAsyncCommand(pub_->ac, nullptr, nullptr, "PUBLISH %b %b", channel.data(), channel.size(),
                        payload->data(), payload->size());
      return;
    }
    // The send time travels as the reply's privdata (a heap copy, freed by the reply callback,
    // which hiredis also calls with no reply when the connection goes).
    auto* sent = new std::chrono::steady_clock::time_point(std::chrono::steady_clock::now());
    redisAsyncCommand(
        pub_->ac,
        [](redisAsyncContext* c, void* r, void* p) {
          const std::unique_ptr<std::chrono::steady_clock::time_point> at(
              static_cast<std::chrono::steady_clock::time_point*>(p));
          RedisBus& bus = link_of(c).bus;
          if (r == nullptr || bus.stopped_) return;
          bus.handlers_.on_published(std::chrono::steady_clock::now() - *at);
        },
        sent, "PUBLISH %b %b", channel.data(), channel.size(), payload->data(), payload->size());
  });
}

// A PING on `pub` every kPingEvery; one still unanswered at the next tick means Redis hangs, and
// the connection is dropped to reconnect (and report unhealthy meanwhile).
void RedisBus::ping() {
  if (stopped_) return;
  if (pub_->connected && ++pings_ % kInfoEveryPings == 1) sample_info();
  if (pub_->connected) {
    if (pub_->awaiting_pong) {
      // Not redisAsyncDisconnect: it would wait for the replies a hung server never sends.
      redisAsyncFree(pub_->ac);
    } else {
      pub_->awaiting_pong = true;
      redisAsyncCommand(
          pub_->ac,
          [](redisAsyncContext* c, void* r, void*) {
            if (r != nullptr) link_of(c).awaiting_pong = false;
          },
          nullptr, "PING");
    }
  }
  ping_timer_.expires_after(kPingEvery);
  ping_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) ping();
  });
}

void RedisBus::sample_info() {
  redisAsyncCommand(
      pub_->ac,
      [](redisAsyncContext* c, void* r, void*) {
        const auto* reply = static_cast<const redisReply*>(r);
        if (reply == nullptr || reply->type != REDIS_REPLY_STRING) return;  // or INFO refused
        constexpr std::string_view kField = "used_memory:";
        const std::string_view info(reply->str, reply->len);
        const size_t at = info.find(kField);
        if (at == std::string_view::npos) return;
        const char* first = info.data() + at + kField.size();
        uint64_t bytes = 0;
        if (std::from_chars(first, info.data() + info.size(), bytes).ec == std::errc())
          link_of(c).bus.server_memory_bytes_ = bytes;
      },
      nullptr, "INFO memory");
}

Bus::Stats RedisBus::stats() const {
  return {.server_memory_bytes = server_memory_bytes_.load(std::memory_order_relaxed),
          .shards = healthy() ? size_t{1} : size_t{0}};
}

}  // namespace bus
