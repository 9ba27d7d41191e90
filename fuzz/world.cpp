// world.cpp — wiring, running and stopping the fuzz targets' server.
#include "fuzz/world.hpp"

#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "server/room.hpp"

namespace fuzz {

namespace asio = boost::asio;

weft::Config fuzz_config() {
  weft::Config c;
  c.auth_rate_limit = 0;
  c.api_rate_limit = 0;
  c.ws_rate_limit = 0;
  c.room_grace_ms = 0;
  c.presence_tick_ms = 0;  // a tick's end is then ready at once, and settle() runs it
  c.batch_window_ms = 0;
  c.history_quiet_ms = 0;
  c.history_max_interval_ms = 0;
  c.slow_query_ms = 0;
  c.instance_id = "fuzz";
  c.jwt_secret = "weft-fuzz-secret-not-for-any-server-0123456789";
  return c;
}

TempDir::TempDir(const std::string& name) {
  std::string pattern = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
  pattern += "/weft-fuzz-" + name + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

World::World(const weft::Config& config, const std::string& db_path)
    : config_(config),
      store_(store::open_sqlite(db_path)),
      accounts_(*store_),
      persister_(*store_, metrics_, std::chrono::milliseconds(config.batch_window_ms)),
      cluster_(ioc_, bus_, false, config.instance_id, metrics_, rooms_),
      read_fences_(std::chrono::seconds(10)),
      services_{config_,
                metrics_,
                *store_,
                persister_,
                ioc_,
                blocking_,
                rooms_,
                accounts_,
                auth_limiter_,
                cluster_,
                connection_limits_,
                read_fences_,
                api_limiter_,
                bcrypt_,
                config.jwt_secret,
                config.instance_id} {
  rooms_.bind(services_);
}

World::~World() {
  settle();
  for (const auto& room : rooms_.all()) room->shutdown([] {});
  settle();
  for (const auto& room : rooms_.all()) room->detach_all();
  blocking_.join();
  bcrypt_.join();
  persister_.flush(std::chrono::seconds(10));
}

size_t World::drain_blocking() {
  bool back = false;
  asio::post(blocking_, [this, &back] { asio::post(ioc_, [&back] { back = true; }); });
  size_t ran = 0;
  while (!back) {
    ioc_.restart();
    ran += ioc_.run_one_for(std::chrono::milliseconds(100));
  }
  return ran - 1;  // not the round trip's own handler
}

void World::settle() {
  // Quiet when a round trip through the pool ran nothing else on the loop and the loop has nothing
  // ready: a handler on either side would have posted to the other or be waiting to run.
  for (int round = 0; round < 10000; ++round) {
    ioc_.restart();
    size_t ran = ioc_.poll();
    ran += drain_blocking();
    ioc_.restart();
    ran += ioc_.poll();
    if (ran == 0) return;
  }
  std::abort();  // handlers that keep each other busy for ever
}

void World::run_until(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) std::abort();
    ioc_.restart();
    if (ioc_.run_one_for(std::chrono::milliseconds(1)) == 0) drain_blocking();
  }
}

}  // namespace fuzz
