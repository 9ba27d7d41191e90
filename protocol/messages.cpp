// messages.cpp — y-websocket message framing.
#include "protocol/messages.hpp"

#include <optional>

namespace protocol {

namespace {

crdt::Bytes frame(MessageType type, std::optional<SyncType> sub, crdt::ByteView payload) {
  crdt::Encoder enc;
  enc.write_var_uint(static_cast<uint64_t>(type));
  if (sub) enc.write_var_uint(static_cast<uint64_t>(*sub));
  enc.write_var_bytes(payload);
  return enc.take();
}

}  // namespace

Message decode_message(crdt::ByteView bytes) {
  try {
    crdt::Decoder dec(bytes);
    const uint64_t type = dec.read_var_uint();
    switch (static_cast<MessageType>(type)) {
      case MessageType::kSync: {
        const uint64_t sub = dec.read_var_uint();
        const crdt::ByteView payload = dec.read_var_bytes();
        switch (static_cast<SyncType>(sub)) {
          case SyncType::kStep1:
            return SyncStep1{payload};
          case SyncType::kStep2:
            return SyncStep2{payload};
          case SyncType::kUpdate:
            return SyncUpdate{payload};
        }
        throw ProtocolError("unknown sync message type " + std::to_string(sub), true);
      }
      case MessageType::kAwareness:
        return AwarenessUpdate{dec.read_var_bytes()};
      case MessageType::kQueryAwareness:
        return QueryAwareness{};
      default:
        throw ProtocolError("unsupported message type " + std::to_string(type), true);
    }
  } catch (const crdt::DecodeError& e) {
    throw ProtocolError(std::string("malformed message: ") + e.what(), false);
  }
}

crdt::Bytes encode_sync_step1(crdt::ByteView sv) {
  return frame(MessageType::kSync, SyncType::kStep1, sv);
}
crdt::Bytes encode_sync_step2(crdt::ByteView u) {
  return frame(MessageType::kSync, SyncType::kStep2, u);
}
crdt::Bytes encode_sync_update(crdt::ByteView u) {
  return frame(MessageType::kSync, SyncType::kUpdate, u);
}
crdt::Bytes encode_awareness(crdt::ByteView a) {
  return frame(MessageType::kAwareness, std::nullopt, a);
}

crdt::Bytes encode_query_awareness() {
  crdt::Encoder enc;
  enc.write_var_uint(static_cast<uint64_t>(MessageType::kQueryAwareness));
  return enc.take();
}

}  // namespace protocol
