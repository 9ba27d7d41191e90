// services.hpp — what rooms and sessions share: configuration, metrics, the store and the
// accounts on it, the batch writer, the I/O context, a small pool for blocking work (database
// reads, compaction) and one for bcrypt, the JWT secret, the login and API rate limiters, the
// connection limits and the callers' read fences (read-your-writes over replicas).
// Owned by Server; everything else holds a reference that the server outlives.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <string>

#include "server/client_address.hpp"
#include "server/config.hpp"
#include "server/connection_limits.hpp"
#include "server/metrics.hpp"
#include "server/persister.hpp"
#include "server/rate_limiter.hpp"
#include "server/read_fences.hpp"
#include "store/accounts.hpp"
#include "store/store.hpp"

namespace weft {

class RoomRegistry;
class Cluster;

struct Services {
  const Config& config;
  Metrics& metrics;
  store::Store& store;
  Persister& persister;
  boost::asio::io_context& ioc;
  boost::asio::thread_pool& blocking;
  RoomRegistry& rooms;
  store::Accounts& accounts;
  RateLimiter& auth_limiter;
  Cluster& cluster;
  ConnectionLimits& connection_limits;
  ReadFences& read_fences;
  RateLimiter& api_limiter;  // --api-rate-limit, per user or per IP
  // --bcrypt-threads: password checks and hashes, apart from `blocking` (http_session.cpp).
  boost::asio::thread_pool& bcrypt;
  std::string jwt_secret;
  std::string instance_id;           // this instance's name in the sessions table
  TrustedProxies trusted_proxies{};  // --trusted-proxies, parsed
  // Set at SIGTERM: /readyz answers 503 and WebSocket upgrades are refused while the instance
  // drains (server.cpp).
  std::atomic<bool> draining{false};
};

}  // namespace weft
