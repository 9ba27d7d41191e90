// bench_room.hpp — the history side of a server Room, in one thread, with each step timed
// (weft-history-bench).
//
// A Room (server/room.cpp, room_history.cpp) needs its I/O context, registry and connections;
// what history costs is a handful of steps in it, and this class makes those steps in the same
// order with the same calls into crdt/, store/ and server/history/, so that each can be timed on
// its own:
//   - per applied update (Room::apply_update): the "oops" check on the update's delete set
//     (removes_most), the text length before and after, noting the edit (note_edit) and the
//     client's author (attribute; a client's first update records it in document_clients);
//   - a capture: on the strand, state_for_capture (encode_state_as_update of what is new since
//     the last capture, encode_state_vector, the text's UTF-8 size); on the blocking pool, the
//     fingerprint, History::capture with the delta (history::capture_delta against the head) and
//     the thinning that follows it;
//   - restore (Room::restore_version): at once, the version's doc from its chain with its text and
//     runs (on a second thread, as the server's pool has four), and the "restore" capture; then
//     replace_now: the edit (common prefix and suffix, one delete and one insert as the user's
//     REST client via Doc::transact) and the aliases of what it re-inserted (history::aliases_for;
//     recorded on the pool, after the answer);
//   - blame of the live text (authorship_api.cpp's blame_current): the runs, the clients and
//     aliases the room has seen, History::clients, History::aliases and History::points,
//     history::blame.
// It follows the server as of this commit. What runs on another thread in the server (the pool)
// is timed separately, never overlapped, except the two halves of a restore, which overlap there.
// Not included: broadcasting and persisting updates (no connections, no Persister), and JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "crdt/doc.hpp"
#include "server/history/blame.hpp"
#include "store/history.hpp"

namespace bench {

// Milliseconds per step of one capture.
struct CaptureTimes {
  double strand = 0;   // state_for_capture
  double pool = 0;     // fingerprint + History::capture (with the delta)
  double thin = 0;     // History::thin (the server's policy) and ::checkpoint, after the capture
  bool added = false;  // a new row (false: the head had the same state)
};

struct RestoreTimes {
  double text = 0;       // version_doc, its text and runs (pool, beside the capture)
  CaptureTimes restore;  // the "restore" capture
  double edit = 0;       // replace_now: the edit and its aliases (strand)
  double total = 0;      // what the answer waits for: the longer of text and capture, and edit
  double aliases = 0;    // History::record_aliases (pool), after the answer
};

struct BlameTimes {
  double runs = 0;   // text_runs copied and the room's clients (strand)
  double store = 0;  // History::clients + History::aliases + History::points (pool)
  double walk = 0;   // history::blame (pool)
  double total = 0;
  std::vector<weft::history::BlameLine> lines;
};

class BenchRoom {
 public:
  BenchRoom(store::Store& store, int64_t document_id);

  crdt::Doc& doc() { return doc_; }
  // What Room::apply_update does for history around applying `update` from `user_id`'s
  // connection. Returns the milliseconds spent recording new clients (on the pool in the server).
  double apply(crdt::ByteView update, int64_t user_id);
  // Captures now; `thin_now` false leaves the thinning to the caller (a restore, after its answer).
  CaptureTimes capture(const std::string& kind, bool thin_now = true);
  // Restores version `version_id` as `user_id`; false when there is no such version.
  bool restore(int64_t version_id, int64_t user_id, RestoreTimes& times);
  BlameTimes blame();

 private:
  struct Pending {
    std::shared_ptr<const crdt::Bytes> state;
    crdt::Bytes base;  // the state vector `state` starts from (empty: the whole state)
    crdt::Bytes state_vector;
    int64_t size = 0;
  };
  struct ClientSeen {
    int64_t user_id = 0;
    std::chrono::system_clock::time_point last{};
  };

  bool removes_most(crdt::ByteView update) const;
  void note_edit(int64_t user_id, uint64_t inserted, uint64_t deleted);
  double attribute(int64_t user_id, const crdt::Applied& applied);
  Pending state_for_capture() const;
  CaptureTimes store_capture(const std::string& kind, const Pending& pending, bool thin_now);
  double thin();
  uint64_t rest_client(int64_t user_id);

  store::Store& store_;
  int64_t document_id_;
  crdt::Doc doc_;
  std::map<int64_t, store::UserEdits> edits_;
  std::unordered_map<uint64_t, ClientSeen> clients_seen_;
  std::unordered_map<int64_t, uint64_t> rest_clients_;
  std::vector<store::Alias> aliases_;
  std::chrono::steady_clock::time_point edited_last_{};
  crdt::Bytes captured_sv_;
  int64_t last_version_id_ = 0;
};

}  // namespace bench
