// services.hpp — what rooms and sessions share: configuration, metrics, the store, the batch
// writer, the I/O context and a small pool for blocking work (database reads, compaction).
// Owned by Server; everything else holds a reference that the server outlives.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "server/config.hpp"
#include "server/metrics.hpp"
#include "server/persister.hpp"
#include "store/store.hpp"

namespace weft {

class RoomRegistry;

struct Services {
  const Config& config;
  Metrics& metrics;
  store::Store& store;
  Persister& persister;
  boost::asio::io_context& ioc;
  boost::asio::thread_pool& blocking;
  RoomRegistry& rooms;
};

}  // namespace weft
