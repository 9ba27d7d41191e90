// config.hpp — every option of `weft serve`. Each is a command-line flag and an environment
// variable WEFT_<NAME> (flag wins); `weft serve --help` lists them all with their defaults.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace weft {

struct Config {
  std::string host = "0.0.0.0";
  uint16_t port = 8080;
  std::string data_dir = "./data";
  std::string static_dir = "web/dist";
  std::string database;     // empty: SQLite file weft.db in data_dir
  size_t db_pool_size = 8;  // PostgreSQL connections per instance
  // PostgreSQL streaming replicas for the API's read-only queries (store/postgres/replicas.hpp),
  // and how far behind the primary one may be and still serve them.
  std::vector<std::string> database_replicas;
  uint64_t replica_max_lag_ms = 5000;
  std::string redis;  // empty: in-process bus
  std::string jwt_secret;
  std::string log_level = "info";
  std::string log_format = "text";  // text | json
  uint64_t slow_query_ms = 250;     // database operations and statements logged beyond (0: off)
  unsigned threads = 0;             // 0: one per core
  size_t max_message_bytes = 32u << 20;
  size_t send_queue_bytes = 64u << 20;
  uint64_t room_grace_ms = 10000;
  // Awareness changes within one presence tick are merged into one message per receiver
  // (Room::relay_presence); 0: merged only with those handled in the same turn of the room.
  uint64_t presence_tick_ms = 50;
  // permessage-deflate (RFC 7692) with the clients that offer it (server/ws_deflate.hpp).
  bool ws_deflate = true;
  // The loaded rooms' budget (room_registry.hpp): at most this many, and this much estimated
  // document memory; the longest-idle rooms are unloaded first (0: no bound).
  size_t max_loaded_rooms = 20000;
  size_t rooms_memory_mb = 2048;
  uint64_t drain_delay_ms = 0;  // SIGTERM: /readyz 503 this long before connections close
  uint64_t batch_window_ms = 50;
  uint64_t idle_timeout_ms = 30000;
  size_t compact_threshold = 1000;  // logged updates that trigger a compaction
  std::string tls_cert;
  std::string tls_key;
  std::string cors_origins;      // comma-separated allowed origins; empty: same origin only
  std::string instance_id;       // empty: <hostname>:<port>
  size_t auth_rate_limit = 10;   // login/registration attempts per minute per IP and per username
  size_t api_rate_limit = 1200;  // REST API requests per minute per user, or per IP when anonymous
  size_t bcrypt_threads = 2;     // threads hashing passwords (logins, registrations), apart
  size_t ws_rate_limit = 200;    // WebSocket messages per second per connection (burst: 10 s worth)
  size_t max_body_bytes = 8u << 20;  // largest HTTP request body (PUT content); JSON bodies 64 KiB
  std::string trusted_proxies;       // --trusted-proxies: networks whose X-Forwarded-For counts
  size_t max_connections_per_ip = 512;     // WebSocket connections at once (0: no limit)
  size_t max_connections_per_user = 128;   // WebSocket connections at once (0: no limit)
  size_t max_document_bytes = 128u << 20;  // encoded Yjs state of one document (0: no limit)
  size_t max_awareness_bytes = 16u << 10;  // one client's presence state, JSON (0: no limit)
  // The text of a project's files together (as last stored), which new files and imports may not
  // grow beyond (0: no limit). An import's decompressed data is bounded by what is left of it.
  size_t max_project_bytes = 256u << 20;
  // History (server/room_history.cpp): a version after this much quiet following edits, and at
  // least this often while editing goes on. 0 turns automatic versions off.
  uint64_t history_quiet_ms = 30000;
  uint64_t history_max_interval_ms = 600000;
  // Thinning of unnamed versions (server/history/thinning.hpp): all of the last
  // history_keep_all_hours, then one per hour up to history_hourly_days, then one per day.
  uint64_t history_keep_all_hours = 24;
  uint64_t history_hourly_days = 30;
};

// Registers the options of `serve` on `cmd`, bound to `cfg`.
void add_serve_options(CLI::App& cmd, Config& cfg);

}  // namespace weft
