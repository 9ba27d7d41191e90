// id.hpp — struct ids and state vectors.
//
// Every struct (Item, GC, Skip) covers the clock range [id.clock, id.clock + length) of its client.
// A state vector maps each client to the next clock it expects (= the number of clocks known).
// Yjs client ids are uint32 in practice but the format allows any varUint, so both are 64-bit here.
#pragma once

#include <cstdint>
#include <map>

#include "crdt/lib0.hpp"

namespace crdt {

struct ID {
  uint64_t client = 0;
  uint64_t clock = 0;
  bool operator==(const ID&) const = default;
};

// Ordered by client id so that encodings and printouts are deterministic.
using StateVector = std::map<uint64_t, uint64_t>;

// Binary state vector as y-protocols sends it: count, then (client, clock) pairs, highest client
// first (yjs writes them in that order).
inline void write_state_vector(Encoder& enc, const StateVector& sv) {
  enc.write_var_uint(sv.size());
  for (auto it = sv.rbegin(); it != sv.rend(); ++it) {
    enc.write_var_uint(it->first);
    enc.write_var_uint(it->second);
  }
}

inline Bytes encode_state_vector(const StateVector& sv) {
  Encoder enc;
  write_state_vector(enc, sv);
  return enc.take();
}

inline StateVector decode_state_vector(ByteView bytes) {
  Decoder dec(bytes);
  StateVector sv;
  const uint64_t n = dec.read_var_uint();
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t client = dec.read_var_uint();
    sv[client] = dec.read_var_uint();  // a repeated client: the last pair wins, as in yjs
  }
  return sv;
}

inline uint64_t state_of(const StateVector& sv, uint64_t client) {
  const auto it = sv.find(client);
  return it == sv.end() ? 0 : it->second;
}

}  // namespace crdt
