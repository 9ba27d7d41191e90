// ws_frame.hpp — the WebSocket frame format (RFC 6455 §5) as the server speaks it after the
// handshake: headers of the frames it sends (never masked, always final) and the parser of the
// frames a client sends (always masked).
//
// The session writes a frame as two buffers, its header (2–10 bytes, built here per receiver) and
// the shared payload, so a broadcast's bytes are never copied per receiver and several frames go
// out in one sendmsg. The parser only reads headers; payload bytes are unmasked in place of the
// copy into the message, so a frame is never buffered whole before the size limit is checked.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace weft::ws {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

inline bool is_control(Opcode op) { return (static_cast<uint8_t>(op) & 0x8) != 0; }

// The largest payload of a control frame (§5.5).
inline constexpr size_t kMaxControlPayload = 125;

// A server frame's header: FIN set, no mask, the shortest length form.
struct ServerHeader {
  std::array<uint8_t, 10> bytes{};
  uint8_t size = 0;
};
ServerHeader server_header(Opcode op, size_t payload_size);

// A client frame's header, as read.
struct ClientHeader {
  bool fin = false;
  Opcode opcode = Opcode::kContinuation;
  uint64_t length = 0;
  std::array<uint8_t, 4> mask{};
  size_t size = 0;  // bytes of the header itself
};

enum class ParseStatus {
  kOk,        // `out` holds the header; its payload follows `out.size` bytes in
  kNeedMore,  // the header is not complete yet
  kBadFrame,  // reserved bits, unknown opcode, unmasked, bad control frame, non-minimal length
};

// Reads the header at the start of `data`; checks everything that the header alone decides.
ParseStatus parse_client_header(const uint8_t* data, size_t size, ClientHeader& out);

// XORs `n` payload bytes with the mask, `offset` bytes into the frame's payload.
void unmask(uint8_t* data, size_t n, const std::array<uint8_t, 4>& mask, size_t offset);

}  // namespace weft::ws
