// world.hpp — a whole server's Services for the fuzz targets that drive the server itself
// (fuzz_http, fuzz_awareness): a SQLite store on a file, the in-process bus, the registry of
// rooms, an event loop and a one-thread blocking pool, wired as server.cpp wires them.
//
// Nothing listens and no thread runs the event loop: the target calls settle() or run_until(),
// which run it on the calling thread, so that every handler an input causes has run before the
// next input comes. The configuration turns off what would make an input's effect depend on the
// clock or leak into the next one: the rate limits (0), the rooms' grace period (0 ms: a room no
// one holds is compacted and unloaded at once) and automatic versions (history_quiet_ms 0).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <string>

#include "bus/local/local_bus.hpp"
#include "server/cluster.hpp"
#include "server/config.hpp"
#include "server/connection_limits.hpp"
#include "server/metrics.hpp"
#include "server/persister.hpp"
#include "server/rate_limiter.hpp"
#include "server/read_fences.hpp"
#include "server/room_registry.hpp"
#include "server/services.hpp"
#include "store/accounts.hpp"
#include "store/store.hpp"

namespace fuzz {

// The configuration above; the other options keep the defaults of `weft serve`.
weft::Config fuzz_config();

// A directory of the process's own, removed with everything in it when the process exits
// normally (a crash leaves it for a look): on tmpfs when there is one, since SQLite syncs its
// writes and fuzz_http copies a database for every input.
class TempDir {
 public:
  explicit TempDir(const std::string& name);
  ~TempDir();
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class World {
 public:
  // Opens (or creates and migrates) the SQLite database at `db_path`.
  World(const weft::Config& config, const std::string& db_path);
  // Stores and unloads every room (Room::shutdown), as a stopping server does.
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  weft::Services& services() { return services_; }
  // Runs the event loop (and waits for the blocking pool) until nothing more is queued on
  // either: every handler caused so far has run.
  void settle();
  // Runs the event loop until `done()` holds; aborts after 10 s (a handler that never answers).
  void run_until(const std::function<bool()>& done);

 private:
  // One round trip through the blocking pool: everything posted to it before has run. Returns
  // the handlers the event loop ran meanwhile.
  size_t drain_blocking();

  const weft::Config& config_;
  weft::Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  store::Accounts accounts_;
  boost::asio::io_context ioc_{1};
  boost::asio::thread_pool blocking_{1};
  boost::asio::thread_pool bcrypt_{1};
  weft::Persister persister_;
  weft::RoomRegistry rooms_;
  weft::RateLimiter auth_limiter_{0};
  weft::RateLimiter api_limiter_{0};
  bus::LocalBus bus_{ioc_};
  weft::Cluster cluster_;
  weft::ConnectionLimits connection_limits_{0, 0};
  weft::ReadFences read_fences_;
  weft::Services services_;
};

}  // namespace fuzz
