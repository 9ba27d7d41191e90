// metrics.hpp — the server's counters, gauges and histograms, rendered in the Prometheus text
// format at /metrics. Everything is a relaxed atomic: recording is a single add on the hot path,
// no lock; a scrape reads a slightly torn but monotonic view, which Prometheus tolerates.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace weft {

// Cumulative histogram over fixed bucket bounds (seconds).
class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1.0};
  void observe(double seconds);
  void render(std::string& out, const std::string& name, const std::string& help) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts_{};
  std::atomic<uint64_t> sum_ns_{0};
  std::atomic<uint64_t> count_{0};
};

struct Metrics {
  std::atomic<int64_t> connections{0};
  std::atomic<int64_t> documents{0};
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
  std::atomic<uint64_t> rejected_connections{0};       // refused with 4401/4403
  std::atomic<uint64_t> connections_refused_ip{0};     // over --max-connections-per-ip (4429)
  std::atomic<uint64_t> connections_refused_user{0};   // over --max-connections-per-user (4429)
  std::atomic<uint64_t> updates_refused_too_large{0};  // over --max-document-bytes (4413)
  std::atomic<uint64_t> slow_consumer_disconnects{0};
  std::atomic<uint64_t> rate_limited_disconnects{0};
  std::atomic<int64_t> persist_queue_depth{0};
  std::atomic<uint64_t> persist_errors{0};
  std::atomic<uint64_t> compactions{0};
  std::atomic<uint64_t> bus_published{0};  // envelopes sent to other instances
  std::atomic<uint64_t> bus_received{0};   // envelopes from other instances
  Histogram update_apply_seconds;
  Histogram persist_batch_seconds;

  // `users_per_document`: (document id, connections) of the loaded rooms.
  std::string render(const std::vector<std::pair<int64_t, size_t>>& users_per_document) const;
};

}  // namespace weft
