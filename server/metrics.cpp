// metrics.cpp — Prometheus text rendering.
#include "server/metrics.hpp"

#include <cstdio>

namespace weft {

void Histogram::observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::render(std::string& out, const std::string& name, const std::string& help) const {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  uint64_t cumulative = 0;
  char buf[64];
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    std::snprintf(buf, sizeof buf, "%g", kBounds[i]);
    out += name + "_bucket{le=\"" + buf + "\"} " + std::to_string(cumulative) + "\n";
  }
  cumulative += counts_[kBounds.size()].load(std::memory_order_relaxed);
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  std::snprintf(buf, sizeof buf, "%.9f",
                static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
  out += name + "_sum " + buf + "\n";
  out += name + "_count " + std::to_string(count_.load(std::memory_order_relaxed)) + "\n";
}

namespace {

template <typename T>
void metric(std::string& out, const char* name, const char* type, const char* help,
            const std::atomic<T>& v) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + std::to_string(v.load(std::memory_order_relaxed)) + "\n";
}

}  // namespace

std::string Metrics::render(
    const std::vector<std::pair<int64_t, size_t>>& users_per_document) const {
  std::string out;
  metric(out, "weft_connections", "gauge", "Open WebSocket connections", connections);
  metric(out, "weft_documents", "gauge", "Documents loaded in memory", documents);
  metric(out, "weft_connections_total", "counter", "WebSocket connections accepted",
         connections_total);
  metric(out, "weft_reconnects_total", "counter",
         "Connections from clients that already had document state", reconnects);
  metric(out, "weft_messages_received_total", "counter", "WebSocket messages received",
         messages_received);
  metric(out, "weft_messages_sent_total", "counter", "WebSocket messages sent", messages_sent);
  metric(out, "weft_bytes_received_total", "counter", "WebSocket payload bytes received",
         bytes_received);
  metric(out, "weft_bytes_sent_total", "counter", "WebSocket payload bytes sent", bytes_sent);
  metric(out, "weft_updates_applied_total", "counter", "Document updates applied", updates_applied);
  metric(out, "weft_rejected_messages_total", "counter",
         "Malformed or unsupported messages (connection closed)", rejected_messages);
  metric(out, "weft_viewer_updates_dropped_total", "counter",
         "Updates from read-only connections not applied", viewer_updates_dropped);
  metric(out, "weft_versions_captured_total", "counter",
         "Document versions captured (history), including captures of an unchanged state",
         versions_captured);
  metric(out, "weft_rejected_connections_total", "counter",
         "WebSocket connections refused for a missing/bad token or no access",
         rejected_connections);
  metric(out, "weft_connections_refused_per_ip_total", "counter",
         "WebSocket connections refused (4429) over --max-connections-per-ip",
         connections_refused_ip);
  metric(out, "weft_connections_refused_per_user_total", "counter",
         "WebSocket connections refused (4429) over --max-connections-per-user",
         connections_refused_user);
  metric(out, "weft_updates_refused_too_large_total", "counter",
         "Updates refused (4413) because the document would grow beyond --max-document-bytes",
         updates_refused_too_large);
  metric(out, "weft_bus_published_total", "counter", "Messages published to other instances",
         bus_published);
  metric(out, "weft_bus_received_total", "counter", "Messages received from other instances",
         bus_received);
  metric(out, "weft_slow_consumer_disconnects_total", "counter",
         "Connections dropped because their send queue overflowed", slow_consumer_disconnects);
  metric(out, "weft_rate_limited_disconnects_total", "counter",
         "Connections closed with 4429 for sending messages faster than --ws-rate-limit",
         rate_limited_disconnects);
  metric(out, "weft_persist_queue_depth", "gauge", "Updates waiting to be written to the database",
         persist_queue_depth);
  metric(out, "weft_persist_errors_total", "counter", "Failed database writes (retried)",
         persist_errors);
  metric(out, "weft_compactions_total", "counter", "Update-log compactions", compactions);
  update_apply_seconds.render(out, "weft_update_apply_seconds",
                              "Time to apply one update to a document");
  persist_batch_seconds.render(out, "weft_persist_batch_seconds",
                               "Time to write one batch of updates");
  out +=
      "# HELP weft_document_users Connections per loaded document\n# TYPE weft_document_users "
      "gauge\n";
  for (const auto& [doc, n] : users_per_document) {
    out +=
        "weft_document_users{document=\"" + std::to_string(doc) + "\"} " + std::to_string(n) + "\n";
  }
  return out;
}

}  // namespace weft
