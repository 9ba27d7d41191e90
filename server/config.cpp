// config.cpp — flags and WEFT_* environment variables of `weft serve`.
#include "server/config.hpp"

#include <fstream>
#include <iterator>

namespace weft {

namespace {

template <typename T>
CLI::Option* opt(CLI::App& cmd, const std::string& name, T& value, const std::string& help) {
  std::string env = "WEFT_";
  for (const char c : name) env.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
  return cmd.add_option("--" + name, value, help)->envname(env)->capture_default_str();
}

// A secret option also read from a file: --NAME-FILE / WEFT_NAME_FILE (Docker and Kubernetes
// secrets are files), its content without the trailing newline. The file wins over --NAME.
void secret_opt(CLI::App& cmd, const std::string& name, std::string& value,
                const std::string& help) {
  opt(cmd, name, value, help);
  std::string env = "WEFT_";
  for (const char c : name) env.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
  cmd.add_option_function<std::string>(
         "--" + name + "-file",
         [&value, name](const std::string& path) {
           std::ifstream in(path, std::ios::binary);
           if (!in) throw CLI::ValidationError("--" + name + "-file", "cannot read " + path);
           value.assign(std::istreambuf_iterator<char>(in), {});
           while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
             value.pop_back();
         },
         "File holding --" + name + " (a mounted secret)")
      ->envname(env + "_FILE");
}

// --database-replica URL, repeatable, and --database-replica-file FILE (one URL a line), both
// appending to the same list. WEFT_DATABASE_REPLICA may hold several URLs separated by spaces.
void replica_opts(CLI::App& cmd, std::vector<std::string>& urls) {
  cmd.add_option_function<std::vector<std::string>>(
         "--database-replica",
         [&urls](const std::vector<std::string>& given) {
           for (const auto& url : given)
             if (!url.empty()) urls.push_back(url);
         },
         "PostgreSQL streaming replica for read-only API queries, postgresql://... (repeatable; "
         "reads fall back to the primary when it is down or lags)")
      ->envname("WEFT_DATABASE_REPLICA")
      ->delimiter(' ')
      ->type_name("URL");
  cmd.add_option_function<std::vector<std::string>>(
         "--database-replica-file",
         [&urls](const std::vector<std::string>& paths) {
           for (const auto& path : paths) {
             std::ifstream in(path, std::ios::binary);
             if (!in) throw CLI::ValidationError("--database-replica-file", "cannot read " + path);
             for (std::string url; in >> url;) urls.push_back(url);
           }
         },
         "File holding --database-replica URLs, one a line (a mounted secret; repeatable)")
      ->envname("WEFT_DATABASE_REPLICA_FILE")
      ->type_name("FILE");
}

}  // namespace

void add_serve_options(CLI::App& cmd, Config& cfg) {
  opt(cmd, "host", cfg.host, "Address to listen on");
  opt(cmd, "port", cfg.port, "Port to listen on");
  opt(cmd, "data-dir", cfg.data_dir, "Directory for the SQLite database and generated secrets");
  opt(cmd, "static-dir", cfg.static_dir, "Directory of the web app to serve");
  secret_opt(cmd, "database", cfg.database,
             "Database: sqlite:PATH or postgresql://... (default: SQLite file weft.db in the data "
             "dir)");
  opt(cmd, "db-pool-size", cfg.db_pool_size,
      "PostgreSQL connections kept by this instance (to the primary, and to each replica)");
  replica_opts(cmd, cfg.database_replicas);
  opt(cmd, "replica-max-lag-ms", cfg.replica_max_lag_ms,
      "A replica further behind the primary than this serves no reads (they go to the primary)");
  secret_opt(cmd, "redis", cfg.redis,
             "Redis for scale-out, redis://[[user]:password@]host[:port] (default: in-process "
             "bus); for a Redis Cluster, one node or several, comma-separated "
             "(redis://:pw@10.0.0.1:7000,10.0.0.2:7000): sharded pub/sub on the masters");
  secret_opt(cmd, "jwt-secret", cfg.jwt_secret,
             "Secret for signing tokens (default: generated into the data dir)");
  opt(cmd, "log-level", cfg.log_level, "debug, info, warn or error");
  opt(cmd, "slow-query-ms", cfg.slow_query_ms,
      "Database operations and statements slower than this are logged (their SQL without "
      "parameters; 0: off)");
  opt(cmd, "log-format", cfg.log_format,
      "text, or json: one JSON object a line (time, level, thread, message)")
      ->check(CLI::IsMember({"text", "json"}));
  opt(cmd, "threads", cfg.threads, "I/O threads (0: one per core)");
  opt(cmd, "max-message-bytes", cfg.max_message_bytes,
      "Largest WebSocket message accepted (close 4413 beyond)");
  opt(cmd, "send-queue-bytes", cfg.send_queue_bytes,
      "Outgoing bytes queued per connection before it is dropped as a slow consumer");
  opt(cmd, "room-grace-ms", cfg.room_grace_ms,
      "How long a document stays loaded after its last client left");
  opt(cmd, "ws-deflate", cfg.ws_deflate,
      "Compress WebSocket messages (permessage-deflate, RFC 7692) for the clients that offer it: "
      "browsers and ws do; each broadcast is compressed once for every receiver, small messages "
      "go uncompressed (false: never)");
  opt(cmd, "presence-tick-ms", cfg.presence_tick_ms,
      "Awareness changes (cursors, selections) arriving within this window are sent to each "
      "client as one message at its end, each client's latest state once; the first after a quiet "
      "window goes out at once (0: merged only with changes handled together)");
  opt(cmd, "max-loaded-rooms", cfg.max_loaded_rooms,
      "Documents loaded in memory at once: beyond it the longest-idle ones (nobody connected) "
      "are unloaded first, and a connection that would load one more while all are in use is "
      "closed with 1013, try again later (0: no limit)");
  opt(cmd, "rooms-memory-mb", cfg.rooms_memory_mb,
      "Memory the loaded documents may take together, estimated from their structs and text "
      "(weft_rooms_memory_bytes): beyond it, as for --max-loaded-rooms (0: no limit)");
  opt(cmd, "drain-delay-ms", cfg.drain_delay_ms,
      "On SIGTERM, how long /readyz answers 503 (and new WebSocket upgrades are refused) before "
      "the listener closes and clients are told 1012");
  opt(cmd, "batch-window-ms", cfg.batch_window_ms,
      "Updates are written to the database in batches of this window");
  opt(cmd, "idle-timeout-ms", cfg.idle_timeout_ms,
      "A WebSocket peer silent this long (no pong) is dropped; it is pinged after half of it");
  opt(cmd, "history-quiet-ms", cfg.history_quiet_ms,
      "A version is captured after edits once the document was quiet this long (0: no automatic "
      "versions)");
  opt(cmd, "history-max-interval-ms", cfg.history_max_interval_ms,
      "While editing goes on, a version is captured at least this often");
  opt(cmd, "history-keep-all-hours", cfg.history_keep_all_hours,
      "Thinning keeps every unnamed version this recent");
  opt(cmd, "history-hourly-days", cfg.history_hourly_days,
      "Thinning keeps one unnamed version per hour up to this age, then one per day");
  opt(cmd, "compact-threshold", cfg.compact_threshold,
      "Logged updates of a document that trigger compaction");
  opt(cmd, "tls-cert", cfg.tls_cert, "PEM certificate chain for native TLS (https/wss)");
  opt(cmd, "tls-key", cfg.tls_key, "PEM private key for native TLS");
  opt(cmd, "cors-origins", cfg.cors_origins,
      "Origins allowed to call the API from a browser, comma-separated (default: same origin)");
  opt(cmd, "instance-id", cfg.instance_id,
      "Stable name of this instance in the sessions table (default: hostname:port)");
  opt(cmd, "auth-rate-limit", cfg.auth_rate_limit,
      "Login, registration and password attempts (change password, delete account) allowed "
      "per minute per IP and per username (0: no limit)");
  opt(cmd, "api-rate-limit", cfg.api_rate_limit,
      "REST API requests allowed per minute per signed-in user, or per IP address without a "
      "token; bursts of a minute's worth (429 with Retry-After beyond; 0: no limit)");
  opt(cmd, "bcrypt-threads", cfg.bcrypt_threads,
      "Threads that check and hash passwords (login, registration, password change), apart from "
      "the pool serving documents, so a login flood cannot stall them; 16 a thread may wait, "
      "beyond that 503 with Retry-After")
      ->check(CLI::Range(size_t{1}, size_t{64}));
  opt(cmd, "ws-rate-limit", cfg.ws_rate_limit,
      "WebSocket messages per second a connection may send on average, bursts of 10 s worth "
      "allowed (close 4429 beyond; 0: no limit)");
  opt(cmd, "max-body-bytes", cfg.max_body_bytes,
      "Largest HTTP request body (PUT content); JSON bodies are limited to 64 KiB");
  opt(cmd, "trusted-proxies", cfg.trusted_proxies,
      "Proxies (load balancers, ingress) in front of weft, as comma-separated addresses and CIDR "
      "networks: a request from one counts as from the address its X-Forwarded-For names, for "
      "the per-address limits (default: none; the header is ignored)");
  opt(cmd, "max-connections-per-ip", cfg.max_connections_per_ip,
      "WebSocket connections one IP address may hold at once (close 4429 beyond; 0: no limit)");
  opt(cmd, "max-connections-per-user", cfg.max_connections_per_user,
      "WebSocket connections one user may hold at once (close 4429 beyond; 0: no limit)");
  opt(cmd, "max-document-bytes", cfg.max_document_bytes,
      "Largest document (its encoded Yjs state): an update that would grow one beyond it is "
      "refused with close 4413, a PUT of more text with 413 (0: no limit)");
  opt(cmd, "max-awareness-bytes", cfg.max_awareness_bytes,
      "Largest awareness (presence) state of one client, as JSON: a connection sending a larger "
      "one is closed with 4413 and nothing of it is applied (0: no limit)");
  opt(cmd, "max-project-bytes", cfg.max_project_bytes,
      "Largest text of a project's files together: a new file or an import beyond it is refused "
      "with 413 project_too_large (0: no limit)");
}

}  // namespace weft
