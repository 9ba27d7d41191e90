// dialect.cpp — Hocuspocus's document-name envelope around y-websocket messages (dialect.hpp).
#include "bench/load/dialect.hpp"

namespace bench {

namespace {

// Hocuspocus message types beyond y-websocket's (hocuspocus/server/src/types.ts).
constexpr uint64_t kHocusSyncReply = 4;
constexpr uint64_t kHocusAuthToken = 0;
constexpr uint64_t kHocusAuthPermissionDenied = 1;
constexpr uint64_t kHocusAuthAuthenticated = 2;

}  // namespace

crdt::Bytes Wire::wrap(crdt::Bytes message) const {
  if (dialect_ == Dialect::kYWebsocket) return message;
  crdt::Encoder enc;
  enc.write_var_string(name_);
  enc.write_bytes(message);
  return enc.take();
}

crdt::Bytes Wire::hocuspocus_auth(std::string_view token) const {
  crdt::Encoder enc;
  enc.write_var_string(name_);
  enc.write_var_uint(static_cast<uint64_t>(protocol::MessageType::kAuth));
  enc.write_var_uint(kHocusAuthToken);
  enc.write_var_string(token);
  return enc.take();
}

Incoming Wire::unwrap(crdt::ByteView frame, crdt::Bytes& scratch) const {
  if (dialect_ == Dialect::kYWebsocket) return protocol::decode_message(frame);
  try {
    crdt::Decoder dec(frame);
    dec.read_var_string_raw();  // the document name: one document per connection here
    const crdt::ByteView message = frame.subspan(frame.size() - dec.remaining());
    crdt::Decoder peek(message);
    const uint64_t type = peek.read_var_uint();
    switch (type) {
      case static_cast<uint64_t>(protocol::MessageType::kSync):
      case static_cast<uint64_t>(protocol::MessageType::kAwareness):
      case static_cast<uint64_t>(protocol::MessageType::kQueryAwareness):
        return protocol::decode_message(message);
      case kHocusSyncReply:
        // A sync message under another type number (a one-byte varUint): decode it as sync.
        scratch.assign(message.begin(), message.end());
        scratch[0] = static_cast<uint8_t>(protocol::MessageType::kSync);
        return protocol::decode_message(scratch);
      case static_cast<uint64_t>(protocol::MessageType::kAuth): {
        const uint64_t sub = peek.read_var_uint();
        if (sub == kHocusAuthAuthenticated) return Authenticated{};
        if (sub == kHocusAuthPermissionDenied) return PermissionDenied{peek.read_var_string()};
        return Ignored{};
      }
      default:
        return Ignored{};
    }
  } catch (const crdt::DecodeError& e) {
    throw protocol::ProtocolError(std::string("malformed Hocuspocus frame: ") + e.what(), false);
  }
}

}  // namespace bench
