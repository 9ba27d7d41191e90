// bus.hpp — how instances of weft serve exchange edits: publish/subscribe on per-document channels.
//
// The server publishes a document's local updates and awareness changes on channel
// `weft:doc:<id>` while it has the room loaded, and relays what other instances publish there to
// its own connections. The bus is a dumb transport: it moves opaque payloads (the server's
// envelope, which carries the sender's instance id so echoes can be ignored) and says nothing about
// delivery — a message published while the connection is down is lost, and the server's
// anti-entropy (a state-vector exchange after every reconnect) recovers the missed edits.
//
// Adapters: local/ (in-process; the default single instance: instances on one Hub — tests — hear
// each other) and redis/ (hiredis's async API driven by the server's Asio event loop).
//
// Threading: every method may be called from any thread. The handlers are called on the adapter's
// own strand (never concurrently with each other) and must not block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bus {

using Payload = std::shared_ptr<const std::vector<uint8_t>>;

// `weft:doc:<id>`; for a project room's key (-project id), `weft:project:<project id>`.
std::string channel_of(int64_t document_id);
inline constexpr const char* kInstancesChannel = "weft:instances";

class Bus {
 public:
  struct Handlers {
    // A message on a subscribed channel (including this instance's own).
    std::function<void(const std::string& channel, Payload payload)> on_message;
    // The connection is up — the first time, or back after a loss (subscriptions are restored
    // first): time for anti-entropy, since what was published while it was down was dropped.
    std::function<void()> on_reconnect;
    // A subscribe() made while the bus is up is in place (Redis confirmed it): what is published
    // on the channel from now on arrives. Until then messages on it are not delivered, so a
    // subscriber that asks its peers for something must ask (again) once this is called. The
    // subscriptions restored after a loss are covered by on_reconnect instead.
    std::function<void(const std::string& channel)> on_subscribed;
    // A publication was acknowledged by the broker this long after it was sent (Redis only).
    std::function<void(std::chrono::nanoseconds)> on_published;
  };

  // What the broker says of itself, for /metrics (zero when there is no broker).
  struct Stats {
    uint64_t server_memory_bytes = 0;  // Redis INFO memory used_memory, sampled
    size_t shards = 0;                 // Redis servers (cluster masters) in use
  };

  virtual ~Bus() = default;
  // Set once, before start().
  virtual void set_handlers(Handlers handlers) = 0;
  // Connects (and keeps reconnecting with backoff until stopped).
  virtual void start() = 0;
  // Disconnects; no handler is called afterwards.
  virtual void stop() = 0;
  virtual void subscribe(const std::string& channel) = 0;
  virtual void unsubscribe(const std::string& channel) = 0;
  // Dropped when disconnected (see above).
  virtual void publish(const std::string& channel, Payload payload) = 0;
  // True while connected with every subscription in place (for /readyz).
  virtual bool healthy() const = 0;
  virtual Stats stats() const { return {}; }
};

}  // namespace bus
