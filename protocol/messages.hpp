// messages.hpp — the y-websocket wire protocol (y-protocols/sync.js and awareness.js framing).
//
// Every WebSocket frame is binary: varUint message type, then
//   0 sync:            varUint sub-type (0 step 1 = state vector, 1 step 2 = update,
//                      2 update), varUint8Array payload
//   1 awareness:       varUint8Array awareness update
//   2 auth:            (y-websocket's permission-denied message; servers send it, never read it)
//   3 query-awareness: nothing
// This file is the one place that knows that framing; the codec underneath is crdt/lib0.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <variant>

#include "crdt/lib0.hpp"

namespace protocol {

enum class MessageType : uint64_t { kSync = 0, kAwareness = 1, kAuth = 2, kQueryAwareness = 3 };
enum class SyncType : uint64_t { kStep1 = 0, kStep2 = 1, kUpdate = 2 };

// A frame that is not a y-websocket message. `unsupported` distinguishes a well-formed frame of a
// type this server does not accept (close 1003) from broken bytes (close 1002).
class ProtocolError : public std::runtime_error {
 public:
  ProtocolError(const std::string& what, bool unsupported)
      : std::runtime_error(what), unsupported_(unsupported) {}
  bool unsupported() const { return unsupported_; }

 private:
  bool unsupported_;
};

// Decoded messages point into the frame they were read from.
struct SyncStep1 {
  crdt::ByteView state_vector;
};
struct SyncStep2 {
  crdt::ByteView update;
};
struct SyncUpdate {
  crdt::ByteView update;
};
struct AwarenessUpdate {
  crdt::ByteView update;
};
struct QueryAwareness {};

using Message = std::variant<SyncStep1, SyncStep2, SyncUpdate, AwarenessUpdate, QueryAwareness>;

// Throws ProtocolError.
Message decode_message(crdt::ByteView frame);

crdt::Bytes encode_sync_step1(crdt::ByteView state_vector);
crdt::Bytes encode_sync_step2(crdt::ByteView update);
crdt::Bytes encode_sync_update(crdt::ByteView update);
crdt::Bytes encode_awareness(crdt::ByteView awareness_update);
crdt::Bytes encode_query_awareness();

}  // namespace protocol
