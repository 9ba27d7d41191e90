// soak.hpp — what weft-bench's soak scenario keeps per client (runner_soak.cpp runs it).
//
//   soak  documents × clients editing for `duration` seconds. Each client makes `rate` edits a
//         second — one transaction that appends a marker (payload.hpp) to its own text and, once
//         it holds `window` markers, deletes its oldest, so the documents keep their size as when
//         people type and delete — and moves its cursor `cursor_rate` times a second (an
//         awareness update, as y-protocols sends it). Every `sample_seconds` one line of the
//         timeline: what was sent and received, disconnects, latency, the server's RSS and CPU.
//         With `reconnect`, a connection that closes is counted as a disconnect and opened again
//         after a backoff (100 ms doubling to 2 s, as y-websocket's provider) on the next of the
//         instances (--port, then --more-ports), its sync step 1 naming what it already received.
//
// Exactly once. Every receiver keeps, for each other client of its document, the sequence
// numbers it has seen (SeqTracker, one per pair: all below `contiguous`, and the few beyond it).
// A marker in a live update (sync update) that was already seen is a duplicate; one that the
// answer to a reconnection's sync step 1 brings again is overlap, expected and counted apart (the
// server relays updates to a joining connection before it answers its step 1). A duplicate within
// `recovery_seconds` of a resync in the same document is counted as "in recovery": a client that
// reconnects re-sends the edits its new server lacks, and clients that had them from the killed
// instance receive them again — harmless for a CRDT, and only possible after a failure. At the
// end every receiver must hold every marker of every other client of its document (no gap).
// Live duplicates are also listed by wall-clock second, for a driver that knows when it injected
// a failure (a Redis restart has no resync on the clients' side).
//
// Convergence at the end: every client asks the server for its whole document; per document the
// texts must be identical, hold exactly the markers still in the clients' windows, once each and
// nothing else, and equal GET /api/documents/{id}/content on every instance (read again for up to
// 5 s while it differs: an instance serving none of the document's clients loads it for the read
// and answers from the database before its peers' part arrives; the retries are reported).
// Cursors: every client must know every other client's latest awareness clock.
//
// Threading: the Runner's one event-loop thread, like everything in weft-bench.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "bench/load/stats.hpp"
#include "crdt/lib0.hpp"
#include "protocol/awareness.hpp"

namespace bench {

// The sequence numbers one receiver has seen of one sender: every one below contiguous(), and
// those in `ahead_` (out of order: after a reconnection, live updates can arrive before the resync
// that fills the hole). record() is O(1) in order, O(log n) out of order.
class SeqTracker {
 public:
  // True when `seq` is new (recorded now), false when it was seen before.
  bool record(uint32_t seq);
  bool has(uint32_t seq) const { return seq < contiguous_ || ahead_.count(seq) > 0; }
  uint32_t contiguous() const { return contiguous_; }
  // Of the sequence numbers [0, sent), how many were never seen.
  uint64_t missing(uint32_t sent) const;

 private:
  uint32_t contiguous_ = 0;
  std::set<uint32_t> ahead_;
};

struct SoakClient {
  uint32_t position = 0;          // in its document (index into the others' `from`)
  uint32_t port_index = 0;        // instance it is (or was last) connected to
  std::vector<SeqTracker> from;   // by the sender's position in the document
  protocol::Awareness awareness;  // this client's view of its document's cursors
  uint64_t awareness_id = 0;      // its own awareness client id
  uint64_t cursor_clock = 0;      // its own awareness clock (never reset: reconnects go on)
  bool reconnecting = false;      // a reopened connection not synced yet
  uint32_t attempts = 0;          // failed reopenings in a row (the backoff)
  std::string final_text;         // the whole document, fetched at the end
  bool final_answered = false;
};

// What the soak counts, from the start; a timeline sample is the difference of two of these.
struct SoakCounters {
  uint64_t edits = 0;
  uint64_t edits_skipped = 0;  // due while the client was disconnected
  uint64_t live = 0;           // new markers in sync updates
  uint64_t via_resync = 0;     // new markers in the answer to a reconnection
  uint64_t duplicates = 0;     // markers seen again in a live update, outside recovery
  uint64_t duplicates_in_recovery = 0;
  uint64_t resync_overlap = 0;  // markers a resync brought again
  uint64_t echoes = 0;          // own markers back (Weft sends none)
  uint64_t cursors_sent = 0;
  uint64_t awareness_received = 0;  // awareness messages
  uint64_t awareness_bytes = 0;     // … their payload bytes
  uint64_t cursor_reannounced = 0;  // own state removed by a server, announced again
  uint64_t disconnects = 0;
  uint64_t reconnects = 0;       // reopened and synced
  uint64_t reopen_failures = 0;  // reopenings that failed before syncing
};

// A disconnect, for the driver to tell injected ones from the rest (wall clock, ms since epoch).
struct DisconnectEvent {
  int64_t at_ms;
  uint16_t port;
  std::string why;
};

struct Soak {
  enum class Kind { kEdit, kCursor, kSample, kReopen };
  struct Event {
    int64_t due_us;
    Kind kind;
    uint32_t conn;
    bool operator>(const Event& o) const { return due_us > o.due_us; }
  };

  std::vector<uint16_t> ports;  // --port, then --more-ports
  std::vector<SoakClient> clients;
  std::vector<int64_t> doc_last_resync_us;  // per document, for "in recovery"
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  bool active = false;  // edits and cursor moves go on
  SoakCounters total;
  SoakCounters at_last_sample;
  Latencies interval_latency;  // live deliveries since the last sample
  std::vector<double> interval_p99_ms;
  double max_latency_ms = 0;
  Latencies cursor_latency;  // a cursor move sent → each other client of its document hears it
  std::vector<DisconnectEvent> disconnect_events;
  std::map<int64_t, uint64_t> duplicates_by_second;  // wall-clock second (ms) → live duplicates
  nlohmann::json timeline = nlohmann::json::array();
  std::chrono::steady_clock::time_point started;
  double generator_cpu0 = 0;
  double machine_busy0 = 0;
  nlohmann::json server0;
  uint64_t states_pending = 0;
};

}  // namespace bench
