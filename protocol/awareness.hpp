// awareness.hpp — the awareness states of one room (y-protocols/awareness.js, server side).
//
// Awareness is presence: each client id has a clock and a JSON state (cursor, name, color). An
// update is varUint count, then per client varUint id, varUint clock, varString JSON; the JSON
// text "null" removes the state. The server keeps the latest state of every client so that a
// newcomer receives them all, and removes the states a connection introduced when it closes.
// States are kept as the JSON text received (validated, never re-serialized).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "crdt/lib0.hpp"

namespace protocol {

class Awareness {
 public:
  struct Change {
    std::vector<uint64_t> added;
    std::vector<uint64_t> updated;
    std::vector<uint64_t> removed;
    bool empty() const { return added.empty() && updated.empty() && removed.empty(); }
  };

  // Applies an awareness update with y-protocols' rules (newer clock wins; "null" at the same
  // clock removes). Throws crdt::DecodeError on malformed input, before changing anything.
  Change apply(crdt::ByteView update);
  // Removes `clients` (bumping their clocks) and returns the update announcing it, or an empty
  // vector when none of them had a state.
  crdt::Bytes remove(const std::vector<uint64_t>& clients);
  // An update carrying every current state (sent to a newly connected client).
  crdt::Bytes encode_all() const;
  size_t size() const { return states_.size(); }

 private:
  struct Meta {
    uint64_t clock = 0;
  };
  std::unordered_map<uint64_t, std::string> states_;
  std::unordered_map<uint64_t, Meta> meta_;
};

}  // namespace protocol
