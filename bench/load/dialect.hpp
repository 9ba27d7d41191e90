// dialect.hpp — the two wire dialects weft-bench speaks, on top of protocol/messages.hpp.
//
// kYWebsocket is plain y-websocket (Weft, @y/websocket-server): one document per connection, named
// in the URL; frames are exactly protocol/'s messages. kHocuspocus is @hocuspocus/server's
// multiplexed dialect: every frame starts with the document name as a lib0 varString, the client
// must authenticate each document first (Auth = 2, sub-type Token = 0, varString token; the server
// answers Auth/Authenticated = 2 with a scope string, or PermissionDenied = 1), the server answers
// a sync step 1 under SyncReply = 4 (a sync message that asks for no reply), and acknowledges each
// update with SyncStatus = 8. The y-websocket message inside is still encoded and decoded by
// protocol/ (messages.hpp stays the one place that knows that framing); this file only adds and
// strips the Hocuspocus envelope.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "crdt/lib0.hpp"
#include "protocol/messages.hpp"

namespace bench {

enum class Dialect { kYWebsocket, kHocuspocus };

// Hocuspocus's envelope-level events that are not y-websocket messages.
struct Authenticated {};
struct PermissionDenied {
  std::string reason;
};
struct Ignored {};  // SyncStatus acks, stateless messages, pings: nothing to do

using Incoming = std::variant<protocol::Message, Authenticated, PermissionDenied, Ignored>;

class Wire {
 public:
  Wire(Dialect dialect, std::string document_name)
      : dialect_(dialect), name_(std::move(document_name)) {}

  Dialect dialect() const { return dialect_; }

  // Wraps one y-websocket message (from protocol::encode_*) for this dialect.
  crdt::Bytes wrap(crdt::Bytes message) const;
  // Hocuspocus's authentication frame; nothing to send in plain y-websocket.
  crdt::Bytes hocuspocus_auth(std::string_view token) const;
  // Decodes one received frame. The returned views point into `frame` (or, for a SyncReply, into
  // `scratch`). Throws protocol::ProtocolError.
  Incoming unwrap(crdt::ByteView frame, crdt::Bytes& scratch) const;

 private:
  Dialect dialect_;
  std::string name_;
};

}  // namespace bench
