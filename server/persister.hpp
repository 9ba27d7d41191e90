// persister.hpp — writes applied updates to the Store in batches, off the I/O threads.
//
// Rooms enqueue each update they applied (a shared, immutable buffer: no copy). One writer thread
// waits for the first queued update, lets the batch window pass so that more can join, and then
// appends the whole batch in one transaction. A crash therefore loses at most the last window, and
// y-websocket clients resend what the server lacks when they reconnect (sync step 1/2).
// If the database fails, the batch stays in memory and is retried with backoff.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "server/metrics.hpp"
#include "store/store.hpp"

namespace weft {

class Persister {
 public:
  Persister(store::Store& store, Metrics& metrics, std::chrono::milliseconds window);
  ~Persister();  // writes what is queued, then stops
  Persister(const Persister&) = delete;
  Persister& operator=(const Persister&) = delete;

  void enqueue(int64_t document_id, std::shared_ptr<const store::Bytes> update);
  // Blocks until everything enqueued before the call is stored. False if `timeout` passed first
  // (the database is failing).
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  void run();

  store::Store& store_;
  Metrics& metrics_;
  const std::chrono::milliseconds window_;
  std::mutex mu_;
  std::condition_variable wake_;      // writer: work arrived, flush requested or stop
  std::condition_variable progress_;  // flushers: a batch was stored
  std::deque<store::UpdateRow> queue_;
  uint64_t enqueued_ = 0;  // updates ever enqueued
  uint64_t stored_ = 0;    // updates ever stored
  bool flush_requested_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace weft
