// server.cpp — wiring, the accept loop, threads and graceful shutdown.
#include "server/server.hpp"

#include <malloc.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <functional>
#include <thread>

#include "bus/local/local_bus.hpp"
#include "bus/redis/redis_bus.hpp"
#include "crdt/lib0.hpp"
#include "server/auth/secret.hpp"
#include "server/cluster.hpp"
#include "server/http_session.hpp"
#include "server/instrumented_store.hpp"
#include "server/persister.hpp"
#include "server/room.hpp"
#include "server/room_registry.hpp"
#include "server/services.hpp"
#include "server/static_files.hpp"

namespace weft {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, tcp::endpoint endpoint, Services& services,
           const StaticFiles& files, asio::ssl::context* tls)
      : ioc_(ioc),
        acceptor_(asio::make_strand(ioc)),
        services_(services),
        files_(files),
        tls_(tls) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }
  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void start() { do_accept(); }
  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

 private:
  void do_accept() {
    acceptor_.async_accept(
        asio::make_strand(ioc_),
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
          if (!ec) {
            socket.set_option(tcp::no_delay(true), ec);
            beast::tcp_stream stream(std::move(socket));
            if (self->tls_) {
              using TlsStream = beast::ssl_stream<beast::tcp_stream>;
              std::make_shared<HttpSession<TlsStream>>(TlsStream(std::move(stream), *self->tls_),
                                                       self->services_, self->files_)
                  ->run();
            } else {
              std::make_shared<HttpSession<beast::tcp_stream>>(std::move(stream), self->services_,
                                                               self->files_)
                  ->run();
            }
          }
          self->do_accept();
        });
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  Services& services_;
  const StaticFiles& files_;
  asio::ssl::context* tls_;  // null: plain HTTP
};

// A TLS context from PEM files (certificate chain and private key); TLS 1.2 and later.
std::unique_ptr<asio::ssl::context> make_tls(const Config& config) {
  if (config.tls_cert.empty() && config.tls_key.empty()) return nullptr;
  if (config.tls_cert.empty() || config.tls_key.empty()) {
    throw std::runtime_error("--tls-cert and --tls-key go together");
  }
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  ctx->use_certificate_chain_file(config.tls_cert);
  ctx->use_private_key_file(config.tls_key, asio::ssl::context::pem);
  return ctx;
}

// --database: empty (SQLite in the data dir), sqlite:PATH, or a postgresql:// (postgres://) URL;
// --database-replica only with the latter.
std::unique_ptr<store::Store> open_store(const Config& config) {
  const std::string& url = config.database;
  const bool postgres = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
  if (!config.database_replicas.empty() && !postgres) {
    throw std::runtime_error("--database-replica needs a PostgreSQL --database (postgresql://...)");
  }
  if (url.empty()) return store::open_sqlite(config.data_dir + "/weft.db");
  if (url.rfind("sqlite:", 0) == 0) return store::open_sqlite(url.substr(7));
  if (postgres) {
    store::ReplicaOptions replicas{
        .urls = config.database_replicas,
        .max_lag_ms = static_cast<int64_t>(config.replica_max_lag_ms),
        .warn = [](const std::string& m) { spdlog::warn("database {}", m); },
        .info = [](const std::string& m) { spdlog::info("database {}", m); }};
    return store::open_postgres(url, config.db_pool_size, replicas);
  }
  throw std::runtime_error(
      "unsupported --database: use sqlite:PATH, a postgresql:// URL, or leave it empty");
}

// %* in a log pattern: the message as the inside of a JSON string (", \\ and control characters
// escaped; the messages are UTF-8 already).
class JsonMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string escaped;
    crdt::append_json_string(escaped, std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data() + 1, escaped.data() + escaped.size() - 1);  // without the quotes
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessage>();
  }
};

// --log-format json: one object a line, for Loki, ELK and the like.
void use_json_logs() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonMessage>('*').set_pattern(
      R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","thread":%t,"message":"%*"})");
  spdlog::set_formatter(std::move(formatter));
}

}  // namespace

int run_server(const Config& config) {
  // Two malloc arenas instead of glibc's eight per core: every thread that allocates (the loop's,
  // the blocking pool's, the persister's) otherwise grows an arena of its own, and a 2 MB
  // document built by 20,000 inserts left 85–115 MiB of RSS behind, most of it free memory that
  // arenas keep; with two, 58–72 MiB while loaded and 8–19 MiB once unloaded and trimmed
  // (BENCHMARKS "Memory that comes back"). MALLOC_ARENA_MAX in the environment wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  if (config.log_format == "json") use_json_logs();
  mkdir(config.data_dir.c_str(), 0700);
  Metrics metrics;  // before the store, which records into it
  std::unique_ptr<store::Store> store;
  try {
    store = std::make_unique<InstrumentedStore>(open_store(config), metrics,
                                                std::chrono::milliseconds(config.slow_query_ms));
  } catch (const std::exception& e) {
    spdlog::critical("cannot open the database: {}", e.what());
    return 1;
  }

  std::string secret = config.jwt_secret;
  if (secret.empty()) {
    try {
      secret = auth::load_or_create_secret(config.data_dir);
    } catch (const std::exception& e) {
      spdlog::critical("cannot read or create the JWT secret in {}: {}", config.data_dir, e.what());
      return 1;
    }
  } else if (secret.size() < auth::kMinSecretBytes) {
    spdlog::critical("--jwt-secret must be at least {} characters", auth::kMinSecretBytes);
    return 1;
  }
  std::string instance_id = config.instance_id;
  if (instance_id.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    instance_id = std::string(host) + ":" + std::to_string(config.port);
  }
  store::Accounts accounts(*store);
  try {
    if (const size_t stale = accounts.close_instance_sessions(instance_id))
      spdlog::info("closed {} sessions left open by a previous run of {}", stale, instance_id);
  } catch (const std::exception& e) {
    spdlog::warn("cannot close stale sessions: {}", e.what());
  }

  const unsigned threads =
      config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context ioc(static_cast<int>(threads));
  // Blocking work: database reads and writes of the API, room loads, compaction. bcrypt (~0.25 s
  // a login) has threads of its own, so that a flood of logins cannot stall any of that.
  asio::thread_pool blocking(4);
  asio::thread_pool bcrypt(config.bcrypt_threads);
  Persister persister(*store, metrics, std::chrono::milliseconds(config.batch_window_ms));
  StaticFiles files(config.static_dir);
  RoomRegistry rooms;
  RateLimiter auth_limiter(config.auth_rate_limit);
  RateLimiter api_limiter(config.api_rate_limit);
  // Destroyed before ioc (declared after it), once the loop has stopped.
  std::unique_ptr<bus::Bus> bus;
  try {
    if (config.redis.empty()) {
      bus = std::make_unique<bus::LocalBus>(ioc);
    } else {
      bus = std::make_unique<bus::RedisBus>(ioc, bus::parse_redis_nodes(config.redis));
    }
  } catch (const std::exception& e) {
    spdlog::critical("bad --redis: {}", e.what());
    return 1;
  }
  Cluster cluster(ioc, *bus, !config.redis.empty(), instance_id, metrics, rooms);
  ConnectionLimits connection_limits(config.max_connections_per_ip,
                                     config.max_connections_per_user);
  // A fence outlives the bound by a margin (read_fences.hpp): the monitor looks once a round.
  ReadFences read_fences(std::chrono::milliseconds(config.replica_max_lag_ms) +
                         std::chrono::seconds(10));
  Services services{
      config,   metrics,      *store,  persister,         ioc,         blocking,    rooms,
      accounts, auth_limiter, cluster, connection_limits, read_fences, api_limiter, bcrypt,
      secret,   instance_id};
  try {
    services.trusted_proxies = TrustedProxies::parse(config.trusted_proxies);
  } catch (const std::invalid_argument& e) {
    spdlog::critical("bad --trusted-proxies: {}", e.what());
    return 1;
  }
  rooms.bind(services);
  cluster.start();

  std::shared_ptr<Listener> listener;
  std::unique_ptr<asio::ssl::context> tls;
  try {
    tls = make_tls(config);
  } catch (const std::exception& e) {
    spdlog::critical("cannot set up TLS: {}", e.what());
    return 1;
  }
  try {
    listener = std::make_shared<Listener>(
        ioc, tcp::endpoint(asio::ip::make_address(config.host), config.port), services, files,
        tls.get());
  } catch (const std::exception& e) {
    spdlog::critical("cannot listen on {}:{}: {}", config.host, config.port, e.what());
    return 1;
  }
  listener->start();
  spdlog::info("weft listening on {}://{}:{} (data in {}, {} threads)", tls ? "https" : "http",
               config.host, listener->local_endpoint().port(), config.data_dir, threads);

  // SIGTERM/SIGINT drain the instance: /readyz answers 503 and upgrades are refused at once; after
  // --drain-delay-ms (a load balancer's readiness checks see it) the listener closes, every
  // client is told 1012 (reconnect: another instance takes it), every room is stored and
  // compacted, and the loop stops once the sessions are closed (at most 3 s more).
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer drain_timer(ioc);
  std::function<void()> stop_serving;
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    services.draining = true;
    spdlog::info("signal {}: draining{}", sig,
                 config.drain_delay_ms
                     ? fmt::format(" ({} ms before closing)", config.drain_delay_ms)
                     : std::string());
    drain_timer.expires_after(std::chrono::milliseconds(config.drain_delay_ms));
    drain_timer.async_wait([&](const boost::system::error_code&) { stop_serving(); });
  });
  stop_serving = [&] {
    spdlog::info("shutting down");
    listener->stop();
    cluster.stop();
    auto all = rooms.all();
    auto remaining = std::make_shared<std::atomic<size_t>>(all.size());
    // When every room is stored, give the sessions up to 3 s to finish their close handshakes.
    const auto stop_when_closed = [&ioc, &metrics] {
      auto timer = std::make_shared<asio::steady_timer>(ioc);
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
      auto poll = std::make_shared<std::function<void()>>();
      *poll = [&ioc, &metrics, timer, deadline, weak = std::weak_ptr(poll)] {
        if (metrics.connections.load() <= 0 || std::chrono::steady_clock::now() > deadline) {
          ioc.stop();
          return;
        }
        timer->expires_after(std::chrono::milliseconds(20));
        timer->async_wait([p = weak.lock()](const boost::system::error_code&) { (*p)(); });
      };
      (*poll)();
    };
    const auto done = [&ioc, remaining, stop_when_closed] {
      if (remaining->fetch_sub(1) == 1) asio::post(ioc, stop_when_closed);
    };
    if (all.empty()) {
      ioc.stop();
      return;
    }
    for (auto& room : all) room->shutdown(done);
  };

  // Memory that comes back: what an unloaded document freed stays in glibc's arenas (a 2 MB
  // document built by 20,000 inserts left ~85 MiB there, BENCHMARKS "Memory that comes back");
  // after rooms unload, malloc_trim(0) hands it back to the system — on the blocking pool, at
  // most once a tick, and only when something unloaded.
  asio::steady_timer trim_timer(ioc);
  uint64_t trimmed_at = 0;
  std::function<void()> trim_tick = [&] {
    trim_timer.expires_after(std::chrono::seconds(2));
    trim_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      if (const uint64_t unloads = rooms.unloads(); unloads != trimmed_at) {
        trimmed_at = unloads;
        asio::post(blocking, [] { malloc_trim(0); });
      }
      trim_tick();
    });
  };
  trim_tick();

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  blocking.join();
  bcrypt.join();
  // Sessions whose close handshake did not finish (or whose leave was still queued) when the loop
  // stopped are still members of their rooms, and hold them: break those cycles so that every
  // room and session is freed.
  for (const auto& room : rooms.all()) room->detach_all();
  if (!persister.flush(std::chrono::seconds(10)))
    spdlog::error("shutdown: some updates could not be stored");
  spdlog::info("stopped");
  return 0;
}

}  // namespace weft
