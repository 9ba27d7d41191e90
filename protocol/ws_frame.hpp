// ws_frame.hpp — the WebSocket frame format (RFC 6455 §5.2), for both ends: the server writes
// unmasked frames and reads masked ones, weft-bench the other way round.
//
// Frames are written as two buffers, the header built here (2–14 bytes) and the payload, so a
// broadcast's payload is shared by every receiver and never copied. The parser reads headers
// only; payload bytes are unmasked where they lie, so a frame is never buffered whole before its
// announced length has been checked against a limit.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace protocol::ws {

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

using Mask = std::array<uint8_t, 4>;

// A frame's header as written: FIN set, the shortest length form, the masking key when given
// (clients must mask, servers must not).
struct Header {
  std::array<uint8_t, 14> bytes{};
  uint8_t size = 0;
};
// `rsv1`: the first frame of a compressed message (permessage-deflate, RFC 7692 §6).
Header frame_header(Opcode op, size_t payload_size, const Mask* mask = nullptr, bool rsv1 = false);

// A frame's header as read.
struct FrameHeader {
  bool fin = false;
  bool rsv1 = false;  // compressed (only where permessage-deflate was negotiated)
  Opcode opcode = Opcode::kContinuation;
  uint64_t length = 0;
  bool masked = false;
  Mask mask{};
  size_t size = 0;  // bytes of the header itself
};

enum class ParseStatus {
  kOk,        // `out` holds the header; its payload follows `out.size` bytes in
  kNeedMore,  // the header is not complete yet
  kBadFrame,  // reserved bits, unknown opcode, wrong masking, bad control frame, non-minimal length
};

// Reads the header at the start of `data` and checks everything the header alone decides;
// `from_client`: the frame must be masked (else it must not be). `deflate`: permessage-deflate was
// negotiated, so RSV1 may be set — on a data frame that starts a message (RFC 7692 §6.1; whether
// it starts one is the reader's to check); RSV2 and RSV3 are never.
ParseStatus parse_header(const uint8_t* data, size_t size, bool from_client, FrameHeader& out,
                         bool deflate = false);

// XORs `n` payload bytes with the mask, `offset` bytes into the frame's payload (masking and
// unmasking are the same operation).
void apply_mask(uint8_t* data, size_t n, const Mask& mask, size_t offset);

}  // namespace protocol::ws
