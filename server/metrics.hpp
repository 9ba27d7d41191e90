// metrics.hpp — the server's counters, gauges and histograms, rendered in the Prometheus text
// format at /metrics with prometheus-cpp's core library (its families and text serializer; its
// registry for what is not on a hot path: the handshake histogram, weft_build_info). What the hot
// paths record is a relaxed atomic here: a single add, no lock; a scrape turns them into metric
// families, reading a slightly torn but monotonic view, which Prometheus tolerates. A scrape also
// reads the process_* metrics from /proc/self. Names follow the Prometheus conventions: base units
// in the name (_seconds, _bytes), _total for counters.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bus/bus.hpp"

namespace prometheus {
class Registry;
class Histogram;
}  // namespace prometheus

namespace weft {

// Cumulative histogram over fixed bucket bounds (seconds).
class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1.0};
  void observe(double seconds);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // The cumulative count at or below each bound, then +Inf; and the sum in seconds.
  std::array<uint64_t, kBounds.size() + 1> cumulative() const;
  double sum() const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts_{};
  std::atomic<uint64_t> sum_ns_{0};
  std::atomic<uint64_t> count_{0};
};

// The operations of store::Store, timed by InstrumentedStore (weft_db_operation_seconds).
enum class DbOperation : size_t {
  kEnsureDocument,
  kDocumentExists,
  kLoad,
  kAppendUpdates,
  kCompact,
  kContent,
  kPing,
  kTransact,
  kRead,  // a read-only transaction that may go to a replica (Store::read)
  kCount
};
const char* db_operation_name(DbOperation op);
// weft_db_errors_total{kind}.
enum class DbError : size_t { kConflict, kStore, kOther, kCount };

struct Metrics {
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  std::atomic<int64_t> connections{0};
  std::atomic<int64_t> documents{0};
  std::atomic<int64_t> rooms_memory_bytes{0};  // the loaded rooms' estimate (--rooms-memory-mb)
  std::atomic<uint64_t> rooms_evicted{0};      // idle rooms unloaded early for the budget
  std::atomic<uint64_t> sync_step2_reused{0};  // join answers served from a room's cache
  std::atomic<uint64_t> rooms_refused{0};  // joins refused (1013): the budget is full of busy rooms
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> reconnects{0};
  std::atomic<uint64_t> messages_received{0};
  std::atomic<uint64_t> messages_sent{0};
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> updates_applied{0};
  std::atomic<uint64_t> rejected_messages{0};
  std::atomic<uint64_t> viewer_updates_dropped{0};
  std::atomic<uint64_t> versions_captured{0};  // captures stored (new versions or the head again)
  std::atomic<uint64_t> rejected_connections{0};         // refused with 4401/4403
  std::atomic<uint64_t> connections_refused_ip{0};       // over --max-connections-per-ip (4429)
  std::atomic<uint64_t> connections_refused_user{0};     // over --max-connections-per-user (4429)
  std::atomic<uint64_t> updates_refused_too_large{0};    // over --max-document-bytes (4413)
  std::atomic<uint64_t> awareness_refused_too_large{0};  // over --max-awareness-bytes (4413)
  std::atomic<uint64_t> slow_consumer_disconnects{0};
  std::atomic<uint64_t> rate_limited_disconnects{0};
  std::atomic<uint64_t> api_rate_limited{0};     // REST requests refused by --api-rate-limit (429)
  std::atomic<uint64_t> bcrypt_refused_busy{0};  // password requests refused, queue full (503)
  std::atomic<int64_t> bcrypt_queued{0};         // password requests waiting or being hashed
  std::atomic<int64_t> persist_queue_depth{0};
  std::atomic<uint64_t> persist_errors{0};
  std::atomic<uint64_t> compactions{0};
  std::atomic<uint64_t> bus_published{0};  // envelopes sent to other instances
  std::atomic<uint64_t> bus_received{0};   // envelopes from other instances
  std::atomic<uint64_t> bus_published_bytes{0};
  std::atomic<uint64_t> bus_received_bytes{0};
  std::atomic<int64_t> bus_channels{0};     // document and project channels subscribed
  std::atomic<uint64_t> bus_reconnects{0};  // the bus came back after a loss
  std::atomic<uint64_t> bus_repairs{0};     // sync requests sent because a bus update left gaps
  std::atomic<uint64_t> awareness_coalesced{0};  // awareness changes merged into a later message
  std::atomic<uint64_t> bus_updates_overlapping{0};  // bus updates partly known here (cut)
  // permessage-deflate: messages sent compressed, their bytes before and after; received ones.
  std::atomic<uint64_t> ws_deflated_messages{0};
  std::atomic<uint64_t> ws_deflate_in_bytes{0};
  std::atomic<uint64_t> ws_deflate_out_bytes{0};
  std::atomic<uint64_t> ws_inflated_messages{0};
  std::atomic<uint64_t> project_imports{0};  // POST …/import that landed
  Histogram update_apply_seconds;
  Histogram persist_batch_seconds;
  // A client's update from its arrival (read off its socket) until it was written to the last
  // other connection of the room.
  Histogram fanout_seconds;
  Histogram bus_publish_seconds;  // PUBLISH sent → Redis acknowledged it
  std::array<Histogram, static_cast<size_t>(DbOperation::kCount)> db_seconds;
  std::array<std::atomic<uint64_t>, static_cast<size_t>(DbError::kCount)> db_errors{};
  // From the upgrade request to the connection joined to its room (authorized).
  prometheus::Histogram* handshake_seconds = nullptr;  // in registry

  // What a scrape reads from elsewhere: (room key, connections) of the loaded rooms (a project
  // room's key is its project id negated), and the answers /readyz gives.
  struct Scrape {
    std::vector<std::pair<int64_t, size_t>> users_per_room{};
    bool database_up = false;
    bool bus_up = false;
    std::optional<bus::Bus::Stats> broker{};  // nullopt: no Redis
    bool draining = false;
    struct Pool {
      size_t size = 0, in_use = 0, waiting = 0;
      uint64_t waits = 0;
    } pool{};  // size 0: no pool (SQLite)
    // Read replicas (--database-replica): each one's state, and where Store::read() calls went.
    struct Replica {
      bool up = false;
      double lag_seconds = -1.0;  // -1: unknown
    };
    std::vector<Replica> replicas{};  // empty: no replicas
    uint64_t replica_reads = 0, primary_reads = 0;
  };
  std::string render(const Scrape& scrape) const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace weft
