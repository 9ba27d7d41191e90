// server.hpp — `weft serve`: owns the I/O context and its threads, the store, the batch writer,
// the rooms and the listener, and runs until SIGTERM/SIGINT. Shutdown: stop accepting, close
// every client with 1001, store and compact every room, exit 0.
#pragma once

#include <memory>

#include "server/config.hpp"
#include "store/store.hpp"

namespace weft {

// Runs the server; returns the process exit code.
int run_server(const Config& config);

}  // namespace weft
