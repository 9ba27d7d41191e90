// metrics.cpp — the families of /metrics (prometheus-cpp's text serializer) from the atomics, the
// registry's own families, and /proc/self.
#include "server/metrics.hpp"

#include <dirent.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#ifndef WEFT_VERSION
#define WEFT_VERSION "unknown"
#endif

namespace weft {

void Histogram::observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::array<uint64_t, Histogram::kBounds.size() + 1> Histogram::cumulative() const {
  std::array<uint64_t, kBounds.size() + 1> out{};
  uint64_t running = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

double Histogram::sum() const {
  return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
}

const char* db_operation_name(DbOperation op) {
  switch (op) {
    case DbOperation::kEnsureDocument:
      return "ensure_document";
    case DbOperation::kDocumentExists:
      return "document_exists";
    case DbOperation::kLoad:
      return "load";
    case DbOperation::kAppendUpdates:
      return "append_updates";
    case DbOperation::kCompact:
      return "compact";
    case DbOperation::kContent:
      return "content";
    case DbOperation::kPing:
      return "ping";
    case DbOperation::kRead:
      return "read";
    case DbOperation::kTransact:
      return "transact";
    case DbOperation::kCount:
      break;
  }
  return "unknown";
}

namespace {

namespace pm = prometheus;

// The handshake's buckets: TLS and a bcrypt-free token check on loopback take well under 10 ms;
// a slow database shows in the upper ones.
const pm::Histogram::BucketBoundaries kHandshakeBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                          0.025,  0.05,  0.1,    0.25,  1.0};

class Families {
 public:
  template <typename T>
  void counter(const char* name, const char* help, const std::atomic<T>& v) {
    pm::ClientMetric m;
    m.counter.value = static_cast<double>(v.load(std::memory_order_relaxed));
    add(name, help, pm::MetricType::Counter, {std::move(m)});
  }
  template <typename T>
  void gauge(const char* name, const char* help, const std::atomic<T>& v) {
    gauge(name, help, static_cast<double>(v.load(std::memory_order_relaxed)));
  }
  void gauge(const char* name, const char* help, double v) {
    pm::ClientMetric m;
    m.gauge.value = v;
    add(name, help, pm::MetricType::Gauge, {std::move(m)});
  }
  void counter(const char* name, const char* help, double v) {
    pm::ClientMetric m;
    m.counter.value = v;
    add(name, help, pm::MetricType::Counter, {std::move(m)});
  }
  void histogram(const char* name, const char* help, const Histogram& h) {
    add(name, help, pm::MetricType::Histogram, {histogram_metric(h)});
  }
  static pm::ClientMetric histogram_metric(const Histogram& h,
                                           std::vector<pm::ClientMetric::Label> labels = {}) {
    pm::ClientMetric m;
    m.label = std::move(labels);
    const auto cumulative = h.cumulative();
    for (size_t i = 0; i < Histogram::kBounds.size(); ++i)
      m.histogram.bucket.push_back({cumulative[i], Histogram::kBounds[i]});
    m.histogram.bucket.push_back({cumulative.back(), std::numeric_limits<double>::infinity()});
    m.histogram.sample_count = cumulative.back();
    m.histogram.sample_sum = h.sum();
    return m;
  }
  void add(const char* name, const char* help, pm::MetricType type,
           std::vector<pm::ClientMetric> metrics) {
    families_.push_back({name, help, type, std::move(metrics)});
  }
  std::vector<pm::MetricFamily>& all() { return families_; }

 private:
  std::vector<pm::MetricFamily> families_;
};

// process_* as the Prometheus client libraries define them, from /proc/self (Linux).
void process_metrics(Families& f) {
  std::ifstream stat_file("/proc/self/stat");
  const std::string stat((std::istreambuf_iterator<char>(stat_file)), {});
  // Fields after the command name (which is in parentheses and may hold spaces).
  const size_t close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream in(stat.substr(close + 2));
    std::vector<std::string> field((std::istream_iterator<std::string>(in)), {});
    // field[0] is the state (stat field 3): utime is field 14 → field[11], stime 15, starttime 22,
    // vsize 23, rss 24 (pages).
    if (field.size() > 21) {
      const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      f.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                (std::stod(field[11]) + std::stod(field[12])) / ticks);
      f.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.",
              std::stod(field[20]));
      f.gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
              std::stod(field[21]) * static_cast<double>(sysconf(_SC_PAGESIZE)));
      std::ifstream proc_stat("/proc/stat");
      std::string key;
      double boot = 0;
      while (proc_stat >> key) {
        if (key == "btime") {
          proc_stat >> boot;
          break;
        }
      }
      if (boot > 0) {
        f.gauge("process_start_time_seconds",
                "Start time of the process since unix epoch in seconds.",
                boot + std::stod(field[19]) / ticks);
      }
    }
  }
  size_t fds = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (const dirent* e = readdir(dir)) {
      if (e->d_name[0] != '.') ++fds;
    }
    closedir(dir);
    if (fds > 0) --fds;  // the directory being read
  }
  f.gauge("process_open_fds", "Number of open file descriptors.", static_cast<double>(fds));
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    f.gauge("process_max_fds", "Maximum number of open file descriptors.",
            static_cast<double>(lim.rlim_cur));
  }
}

// weft_db_replica_up / _lag_seconds per replica (labelled by its position among the
// --database-replica flags, never its URL) and weft_db_reads_total by where the read went.
void replica_metrics(Families& f, const Metrics::Scrape& scrape) {
  std::vector<pm::ClientMetric> up;
  std::vector<pm::ClientMetric> lag;
  for (size_t i = 0; i < scrape.replicas.size(); ++i) {
    const auto& r = scrape.replicas[i];
    pm::ClientMetric u;
    u.label.push_back({"replica", std::to_string(i)});
    u.gauge.value = r.up ? 1.0 : 0.0;
    up.push_back(u);
    if (r.lag_seconds >= 0) {
      u.gauge.value = r.lag_seconds;
      lag.push_back(std::move(u));
    }
  }
  f.add("weft_db_replica_up",
        "1 when the read replica answers and is a standby (reads may go to it within the lag "
        "bound)",
        pm::MetricType::Gauge, std::move(up));
  f.add("weft_db_replica_lag_seconds",
        "How far behind the primary the read replica may be (absent while unknown)",
        pm::MetricType::Gauge, std::move(lag));
  std::vector<pm::ClientMetric> reads;
  for (const auto& [target, n] :
       {std::pair{"replica", scrape.replica_reads}, std::pair{"primary", scrape.primary_reads}}) {
    pm::ClientMetric m;
    m.label.push_back({"target", target});
    m.counter.value = static_cast<double>(n);
    reads.push_back(std::move(m));
  }
  f.add("weft_db_reads_total",
        "Read-only API queries by where they ran: a replica, or the primary (no replica up, "
        "within the lag bound and past the caller's last write)",
        pm::MetricType::Counter, std::move(reads));
}

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<pm::Registry>()) {
  handshake_seconds =
      &pm::BuildHistogram()
           .Name("weft_websocket_handshake_seconds")
           .Help("From a WebSocket upgrade request to the connection joined to its room")
           .Register(*registry_)
           .Add({}, kHandshakeBounds);
  pm::BuildGauge()
      .Name("weft_build_info")
      .Help("The running build of weft (always 1)")
      .Register(*registry_)
      .Add({{"version", WEFT_VERSION},
#ifdef NDEBUG
            {"build", "release"},
#else
            {"build", "debug"},
#endif
            {"compiler", __VERSION__}})
      .Set(1);
}

Metrics::~Metrics() = default;

std::string Metrics::render(const Scrape& scrape) const {
  Families f;
  f.gauge("weft_database_up", "1 when the database answers a ping (as /readyz asks it)",
          scrape.database_up ? 1.0 : 0.0);
  f.gauge("weft_bus_up", "1 when the bus to the other instances (Redis) is up, or there is none",
          scrape.bus_up ? 1.0 : 0.0);
  f.gauge("weft_draining", "1 while the instance drains after SIGTERM (/readyz 503)",
          scrape.draining ? 1.0 : 0.0);
  f.gauge("weft_connections", "Open WebSocket connections", connections);
  f.gauge("weft_documents", "Documents loaded in memory", documents);
  f.gauge("weft_rooms_memory_bytes",
          "Memory of the loaded documents, estimated from their structs and text (the "
          "--rooms-memory-mb budget counts it)",
          rooms_memory_bytes);
  f.counter("weft_rooms_evicted_total",
            "Idle documents unloaded before their grace ended, to keep within --max-loaded-rooms "
            "and --rooms-memory-mb",
            rooms_evicted);
  f.counter("weft_sync_step2_reused_total",
            "Sync step 2 answers (a joiner's missing state) reused from the room's cache: the "
            "document had not changed since the same state vector was answered",
            sync_step2_reused);
  f.counter("weft_rooms_refused_total",
            "WebSocket joins refused with 1013 because loading one more document would exceed "
            "the room budget and every loaded one is in use",
            rooms_refused);
  f.counter("weft_connections_total", "WebSocket connections accepted", connections_total);
  f.counter("weft_reconnects_total", "Connections from clients that already had document state",
            reconnects);
  f.counter("weft_messages_received_total", "WebSocket messages received", messages_received);
  f.counter("weft_messages_sent_total", "WebSocket messages sent", messages_sent);
  f.counter("weft_bytes_received_total", "WebSocket payload bytes received", bytes_received);
  f.counter("weft_bytes_sent_total", "WebSocket payload bytes sent", bytes_sent);
  f.counter("weft_updates_applied_total", "Document updates applied", updates_applied);
  f.counter("weft_rejected_messages_total", "Malformed or unsupported messages (connection closed)",
            rejected_messages);
  f.counter("weft_viewer_updates_dropped_total", "Updates from read-only connections not applied",
            viewer_updates_dropped);
  f.counter("weft_versions_captured_total",
            "Document versions captured (history), including captures of an unchanged state",
            versions_captured);
  f.counter("weft_rejected_connections_total",
            "WebSocket connections refused for a missing/bad token or no access",
            rejected_connections);
  f.counter("weft_connections_refused_per_ip_total",
            "WebSocket connections refused (4429) over --max-connections-per-ip",
            connections_refused_ip);
  f.counter("weft_connections_refused_per_user_total",
            "WebSocket connections refused (4429) over --max-connections-per-user",
            connections_refused_user);
  f.counter("weft_awareness_refused_too_large_total",
            "Awareness updates refused (4413) for a state beyond --max-awareness-bytes",
            awareness_refused_too_large);
  f.counter("weft_updates_refused_too_large_total",
            "Updates refused (4413) because the document would grow beyond --max-document-bytes",
            updates_refused_too_large);
  f.counter("weft_bus_published_total", "Messages published to other instances", bus_published);
  f.counter("weft_bus_received_total", "Messages received from other instances", bus_received);
  f.counter("weft_bus_published_bytes_total", "Bytes of the messages published to other instances",
            bus_published_bytes);
  f.counter("weft_bus_received_bytes_total", "Bytes of the messages received from other instances",
            bus_received_bytes);
  f.gauge("weft_bus_channels", "Document and project channels this instance subscribes to",
          bus_channels);
  f.counter("weft_bus_reconnects_total", "Times the bus (Redis) came back after a loss",
            bus_reconnects);
  if (scrape.broker) {
    f.gauge("weft_redis_memory_bytes", "Memory Redis reports in use (INFO memory used_memory)",
            static_cast<double>(scrape.broker->server_memory_bytes));
    f.gauge("weft_redis_shards", "Redis servers (cluster masters) this instance publishes to",
            static_cast<double>(scrape.broker->shards));
    f.histogram("weft_bus_publish_seconds", "From a PUBLISH sent to Redis's acknowledgement of it",
                bus_publish_seconds);
  }
  f.counter(
      "weft_bus_repairs_total",
      "Sync requests sent because an update from another instance built on one never received",
      bus_repairs);
  f.counter("weft_ws_deflated_messages_total",
            "Messages sent compressed (permessage-deflate), counted per receiver",
            ws_deflated_messages);
  f.counter("weft_ws_deflate_in_bytes_total",
            "Bytes of the messages sent compressed, before compression (per receiver)",
            ws_deflate_in_bytes);
  f.counter("weft_ws_deflate_out_bytes_total",
            "Bytes of the messages sent compressed, after compression (per receiver)",
            ws_deflate_out_bytes);
  f.counter("weft_ws_inflated_messages_total", "Compressed messages received and inflated",
            ws_inflated_messages);
  f.counter("weft_awareness_coalesced_total",
            "Awareness changes merged into the next presence tick's message instead of being "
            "relayed on their own",
            awareness_coalesced);
  f.counter("weft_bus_updates_overlapping_total",
            "Updates from another instance that repeated edits this one had: its clients were sent "
            "only what was new",
            bus_updates_overlapping);
  f.counter("weft_slow_consumer_disconnects_total",
            "Connections dropped because their send queue overflowed", slow_consumer_disconnects);
  f.counter("weft_rate_limited_disconnects_total",
            "Connections closed with 4429 for sending messages faster than --ws-rate-limit",
            rate_limited_disconnects);
  f.counter("weft_api_rate_limited_total",
            "REST API requests refused with 429 for exceeding --api-rate-limit", api_rate_limited);
  f.counter("weft_bcrypt_refused_busy_total",
            "Password requests (login, registration) refused with 503: 16 a --bcrypt-threads "
            "thread waited",
            bcrypt_refused_busy);
  f.gauge("weft_bcrypt_queue_depth",
          "Password requests waiting for or in a --bcrypt-threads thread", bcrypt_queued);
  f.gauge("weft_persist_queue_depth", "Updates waiting to be written to the database",
          persist_queue_depth);
  f.counter("weft_persist_errors_total", "Failed database writes (retried)", persist_errors);
  f.counter("weft_compactions_total", "Update-log compactions", compactions);
  f.counter("weft_project_imports_total", "Project imports (POST …/import) that landed",
            project_imports);
  f.histogram("weft_update_apply_seconds", "Time to apply one update to a document",
              update_apply_seconds);
  f.histogram("weft_persist_batch_seconds", "Time to write one batch of updates",
              persist_batch_seconds);
  f.histogram("weft_fanout_seconds",
              "From a client's update read off its socket to its write to the last other "
              "connection of the room",
              fanout_seconds);
  std::vector<pm::ClientMetric> db;
  for (size_t i = 0; i < db_seconds.size(); ++i) {
    db.push_back(Families::histogram_metric(
        db_seconds[i], {{"operation", db_operation_name(static_cast<DbOperation>(i))}}));
  }
  f.add("weft_db_operation_seconds",
        "Database operations by kind (a transact is one transaction of API or history work)",
        pm::MetricType::Histogram, std::move(db));
  std::vector<pm::ClientMetric> errors;
  for (const auto& [kind, i] :
       {std::pair{"conflict", DbError::kConflict}, std::pair{"store", DbError::kStore},
        std::pair{"other", DbError::kOther}}) {
    pm::ClientMetric m;
    m.label.push_back({"kind", kind});
    m.counter.value =
        static_cast<double>(db_errors[static_cast<size_t>(i)].load(std::memory_order_relaxed));
    errors.push_back(std::move(m));
  }
  f.add(
      "weft_db_errors_total",
      "Failed database operations: conflict (a unique value taken), store (the database failed or "
      "is unreachable), other",
      pm::MetricType::Counter, std::move(errors));
  if (scrape.pool.size > 0) {
    f.gauge("weft_db_pool_connections", "Connections the PostgreSQL pool may hold (--db-pool-size)",
            static_cast<double>(scrape.pool.size));
    f.gauge("weft_db_pool_in_use", "PostgreSQL connections lent out now",
            static_cast<double>(scrape.pool.in_use));
    f.gauge("weft_db_pool_waiting", "Threads waiting for a PostgreSQL connection now",
            static_cast<double>(scrape.pool.waiting));
    f.counter("weft_db_pool_waits_total", "Borrows of a PostgreSQL connection that had to wait",
              static_cast<double>(scrape.pool.waits));
  }
  if (!scrape.replicas.empty()) replica_metrics(f, scrape);
  std::vector<pm::ClientMetric> users;
  std::vector<pm::ClientMetric> project_users;
  for (const auto& [id, n] : scrape.users_per_room) {
    pm::ClientMetric m;
    m.gauge.value = static_cast<double>(n);
    if (id > 0) {
      m.label.push_back({"document", std::to_string(id)});
      users.push_back(std::move(m));
    } else {  // a project room (Room::project_key)
      m.label.push_back({"project", std::to_string(-id)});
      project_users.push_back(std::move(m));
    }
  }
  f.add("weft_document_users", "Connections per loaded document", pm::MetricType::Gauge,
        std::move(users));
  f.add("weft_project_users", "Connections to the live channel of each loaded project",
        pm::MetricType::Gauge, std::move(project_users));
  process_metrics(f);
  for (auto& family : registry_->Collect()) f.all().push_back(std::move(family));
  return pm::TextSerializer().Serialize(f.all());
}

}  // namespace weft
