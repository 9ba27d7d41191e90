// fuzz_ws_frames.cpp — libFuzzer target: arbitrary bytes as what a client sends on an upgraded
// WebSocket connection, read by the server's WsReader (server/ws_reader.hpp) the way WsSession
// reads them: frames, fragmented messages, control frames between fragments, masking, the limits.
//
// Byte 0 picks the split points; the rest is the stream. It is read three times — in one piece,
// one byte at a time (so every split point is one) and in pieces of the sizes byte 0 seeds — each
// time as the session does it: the bytes arrive in its buffer, next() runs until "need more", what
// it consumed leaves the buffer and the rest waits for the next piece. The peer's close frame makes
// the session closing (data then skipped, as WsSession::do_close does); bad input ends the read.
// Each message is handed to the y-websocket decoder as Room::handle would.
//
// Checked: the three reads see the same events (the same messages, control frames and refusal,
// in the same order: how the stream is split never changes what it says); no message is larger
// than the limit, no control payload larger than 125 bytes. Done at the server's limit
// (--max-message-bytes, reached by a header announcing a huge length) and at 256 bytes (reached
// by fragments adding up).
//
// When byte 0's top bit is set the connection negotiated permessage-deflate: RSV1 may start a
// message, and a compressed message is inflated as WsSession::deliver does (server/ws_deflate.hpp)
// — checked never to exceed the limit, however the bytes inflate, and to decode or be refused.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "protocol/messages.hpp"
#include "server/config.hpp"
#include "server/ws_deflate.hpp"
#include "server/ws_reader.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

using Kind = weft::WsReader::Event::Kind;

struct Seen {
  Kind kind;
  uint8_t opcode;
  uint16_t code;
  crdt::Bytes bytes;  // the message or control payload (inflated when it came compressed)
  int inflated = -1;  // a compressed message: ws_deflate::Inflated; -1 when not compressed
  bool operator==(const Seen&) const = default;
};

void decode(const crdt::Bytes& message) {
  try {
    (void)protocol::decode_message(message);
  } catch (const protocol::ProtocolError&) {
  } catch (const crdt::DecodeError&) {
  }
}

// The stream read in pieces of the sizes `piece(i)` gives, as WsSession::parse_frames does.
template <class Piece>
std::vector<Seen> read(const uint8_t* data, size_t size, size_t limit, bool deflate, Piece piece) {
  weft::WsReader reader(limit);
  reader.set_deflate(deflate);
  std::vector<Seen> seen;
  std::vector<uint8_t> buffer;
  bool closing = false;
  size_t at = 0;
  for (size_t i = 0; at < size; ++i) {
    const size_t n = std::min(piece(i), size - at);
    buffer.insert(buffer.end(), data + at, data + at + n);
    at += n;
    size_t pos = 0;
    while (true) {
      const auto e = reader.next(buffer.data(), buffer.size(), pos, closing);
      check(pos <= buffer.size());
      if (e.kind == Kind::kNeedMore) break;
      if (e.kind == Kind::kBadFrame || e.kind == Kind::kRefused) {
        seen.push_back({e.kind, 0, e.code, {}, -1});
        return seen;  // the session closes and reads nothing more
      }
      if (e.kind == Kind::kControl) {
        check(e.size <= protocol::ws::kMaxControlPayload);
        seen.push_back({e.kind, static_cast<uint8_t>(e.opcode), 0,
                        crdt::Bytes(e.payload, e.payload + e.size), -1});
        if (e.opcode == protocol::ws::Opcode::kClose) {
          if (closing) return seen;  // the close handshake is over
          closing = true;
        }
        continue;
      }
      crdt::Bytes message = reader.take_message();
      check(message.size() <= limit);
      check(deflate || !reader.message_compressed());
      int inflated = -1;
      if (reader.message_compressed()) {
        crdt::Bytes out;
        const auto status = weft::ws_deflate::inflate(message, limit, out);
        inflated = static_cast<int>(status);
        if (status == weft::ws_deflate::Inflated::kOk) {
          check(out.size() <= limit);
          message = std::move(out);
        } else {
          message.clear();
        }
      }
      if (inflated <= 0) decode(message);
      seen.push_back({e.kind, 0, 0, std::move(message), inflated});
    }
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(pos));
  }
  return seen;
}

void run(const uint8_t* data, size_t size, uint8_t split, size_t limit) {
  const bool deflate = (split & 0x80) != 0;
  const auto whole = read(data, size, limit, deflate, [size](size_t) { return size; });
  const auto bytewise = read(data, size, limit, deflate, [](size_t) { return size_t{1}; });
  check(bytewise == whole);
  // Pieces of 1 to 64 bytes, a different size each time, from the seed in byte 0.
  uint32_t state = split * 2654435761u + 1;
  const auto pieces = read(data, size, limit, deflate, [&state](size_t) {
    state = state * 1103515245u + 12345u;
    return size_t{1} + (state >> 16) % 64;
  });
  check(pieces == whole);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  run(data + 1, size - 1, data[0], weft::Config{}.max_message_bytes);
  run(data + 1, size - 1, data[0], 256);
  return 0;
}
