// envelope.hpp — the bytes instances exchange over the bus (cluster.hpp says what each part
// means): an envelope is the sender's instance id and its parts, each a kind and its data, in
// lib0's encoding; an access part's data is a user id and a role. Apart from Cluster so that the
// codec can be fuzzed alone (fuzz/fuzz_envelope.cpp): a peer on Redis is as untrusted as a client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crdt/lib0.hpp"
#include "server/connection.hpp"

namespace weft {

enum class PartKind : uint64_t {
  kUpdate = 0,
  kAwareness = 1,
  kSyncRequest = 2,
  kSyncReply = 3,
  kRemoved = 4,
  kAccess = 5,
  kAlive = 6,
  kBye = 7,
  kTreeChanged = 8,  // project rooms: the tree changed (Room::touch_tree), no data
  kRejoin = 9,       // project rooms: who may connect changed; everyone reconnects (1012)
  kSignedOut = 10,   // on weft:instances: a user's tokens were revoked; close their sockets (4401)
};

struct Part {
  PartKind kind;
  crdt::Bytes data;
};

struct Envelope {
  std::string instance;
  std::vector<Part> parts;
};

crdt::Bytes encode_envelope(const Envelope& e);
// Throws crdt::DecodeError on malformed input (unknown part kinds are kept; rooms skip them).
Envelope decode_envelope(crdt::ByteView bytes);

// The data of an access part: the user and their new role (nullopt: no access any more).
crdt::Bytes encode_access(int64_t user_id, std::optional<Role> role);
// Throws crdt::DecodeError on malformed input.
std::pair<int64_t, std::optional<Role>> decode_access(crdt::ByteView data);

// Which connections a revocation closes: those of `user_id` opened with sign-in `only` (0: any),
// except those opened with sign-in `except` (0: none).
struct SignOut {
  int64_t user_id = 0;
  int64_t only = 0;
  int64_t except = 0;
  bool covers(int64_t user, int64_t sign_in) const {
    return user == user_id && (only == 0 || sign_in == only) && (except == 0 || sign_in != except);
  }
};
crdt::Bytes encode_sign_out(const SignOut& s);
// Throws crdt::DecodeError on malformed input.
SignOut decode_sign_out(crdt::ByteView data);

}  // namespace weft
