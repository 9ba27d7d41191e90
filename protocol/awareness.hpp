// awareness.hpp — the awareness states of one room (y-protocols/awareness.js, server side).
//
// Awareness is presence: each client id has a clock and a JSON state (cursor, name, color). An
// update is varUint count, then per client varUint id, varUint clock, varString JSON; the JSON
// text "null" removes the state. The server keeps the latest state of every client so that a
// newcomer receives them all, and removes the states a connection introduced when it closes.
// States are kept as the JSON text received (validated, never re-serialized).
//
// The rules are y-protocols' exactly, as every client applies them: an entry is applied when its
// clock is newer than the one known for the client, or when it is a "null" at the known clock
// while a state is held. A removed client's clock is remembered (meta outlives state), so a
// removal is announced at the clock the state had — the server never bumps a client's clock:
// the client's next own change (clock + 1) must win everywhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crdt/lib0.hpp"

namespace protocol {

class Awareness {
 public:
  struct Change {
    // What y-protocols reports: new clients, newer states (also the same state renewed), removals.
    std::vector<uint64_t> added;
    std::vector<uint64_t> updated;
    std::vector<uint64_t> removed;
    // Not applied, and not part of empty(): a state at or below the clock of a client whose state
    // was removed. Its sender is behind (a provider that reconnected, or a new one reusing the
    // clientID) and will only be heard once it knows the removal (encode(behind) tells it;
    // y-protocols then re-announces the local state at a newer clock).
    std::vector<uint64_t> behind;
    bool empty() const { return added.empty() && updated.empty() && removed.empty(); }
  };

  // Applies an awareness update with y-protocols' rules (newer clock wins; "null" at the same
  // clock removes). Throws crdt::DecodeError on malformed input, before changing anything.
  Change apply(crdt::ByteView update);
  // The length of the largest JSON state in an update (decoded only; throws crdt::DecodeError on
  // malformed input), for the server's --max-awareness-bytes.
  static size_t largest_state(crdt::ByteView update);
  // Removes `clients` (y-protocols' removeAwarenessStates: clocks kept) and returns the update
  // announcing it, or an empty vector when none of them had a state.
  crdt::Bytes remove(const std::vector<uint64_t>& clients);
  // An update carrying every current state (sent to a newly connected client).
  crdt::Bytes encode_all() const;
  // An update carrying what is known of `clients` (y-protocols' encodeAwarenessUpdate): each one's
  // clock with its state, or "null" when it has none. Clients never seen are left out.
  crdt::Bytes encode(const std::vector<uint64_t>& clients) const;
  size_t size() const { return states_.size(); }
  // The clock known for `client` (0 when never seen), and whether a state is held for it.
  uint64_t clock(uint64_t client) const;
  bool has_state(uint64_t client) const { return states_.count(client) > 0; }

  // One client's own state at `clock`: what a y-protocols client sends when its local state
  // changes (setLocalState, then encodeAwarenessUpdate of itself). weft-bench's cursors.
  static crdt::Bytes encode_state(uint64_t client, uint64_t clock, std::string_view state);

 private:
  struct Meta {
    uint64_t clock = 0;
  };
  std::unordered_map<uint64_t, std::string> states_;
  std::unordered_map<uint64_t, Meta> meta_;
};

}  // namespace protocol
