// ws_frame.cpp — frame headers written and read (RFC 6455 §5.2).
#include "protocol/ws_frame.hpp"

namespace protocol::ws {

Header frame_header(Opcode op, size_t payload_size, const Mask* mask, bool rsv1) {
  Header h;
  h.bytes[0] = static_cast<uint8_t>(0x80 | (rsv1 ? 0x40 : 0) | static_cast<uint8_t>(op));
  const uint8_t mask_bit = mask ? 0x80 : 0;
  if (payload_size < 126) {
    h.bytes[1] = static_cast<uint8_t>(mask_bit | payload_size);
    h.size = 2;
  } else if (payload_size <= 0xFFFF) {
    h.bytes[1] = mask_bit | 126;
    h.bytes[2] = static_cast<uint8_t>(payload_size >> 8);
    h.bytes[3] = static_cast<uint8_t>(payload_size);
    h.size = 4;
  } else {
    h.bytes[1] = mask_bit | 127;
    for (int i = 0; i < 8; ++i)
      h.bytes[2 + i] = static_cast<uint8_t>(static_cast<uint64_t>(payload_size) >> (56 - 8 * i));
    h.size = 10;
  }
  if (mask) {
    for (size_t i = 0; i < 4; ++i) h.bytes[h.size + i] = (*mask)[i];
    h.size += 4;
  }
  return h;
}

ParseStatus parse_header(const uint8_t* data, size_t size, bool from_client, FrameHeader& out,
                         bool deflate) {
  if (size < 2) return ParseStatus::kNeedMore;
  const uint8_t b0 = data[0];
  const uint8_t b1 = data[1];
  if ((b0 & 0x30) != 0) return ParseStatus::kBadFrame;  // no extension uses RSV2 or RSV3
  const uint8_t op = b0 & 0x0F;
  if (op > 0xA || (op > 0x2 && op < 0x8)) return ParseStatus::kBadFrame;
  out.rsv1 = (b0 & 0x40) != 0;
  // RSV1 only with permessage-deflate, and never on a control frame or a continuation.
  if (out.rsv1 && (!deflate || op == 0x0 || op >= 0x8)) return ParseStatus::kBadFrame;
  out.masked = (b1 & 0x80) != 0;
  if (out.masked != from_client) return ParseStatus::kBadFrame;  // §5.1
  out.fin = (b0 & 0x80) != 0;
  out.opcode = static_cast<Opcode>(op);
  const uint8_t len7 = b1 & 0x7F;
  size_t pos = 2;
  if (len7 < 126) {
    out.length = len7;
  } else if (len7 == 126) {
    if (size < 4) return ParseStatus::kNeedMore;
    out.length = (uint64_t{data[2]} << 8) | data[3];
    if (out.length < 126) return ParseStatus::kBadFrame;  // not the minimal form
    pos = 4;
  } else {
    if (size < 10) return ParseStatus::kNeedMore;
    out.length = 0;
    for (int i = 0; i < 8; ++i) out.length = (out.length << 8) | data[2 + i];
    if (out.length >> 63) return ParseStatus::kBadFrame;  // the top bit must be 0
    if (out.length <= 0xFFFF) return ParseStatus::kBadFrame;
    pos = 10;
  }
  if (is_control(out.opcode) && (!out.fin || out.length > kMaxControlPayload))
    return ParseStatus::kBadFrame;
  if (out.masked) {
    if (size < pos + 4) return ParseStatus::kNeedMore;
    for (size_t i = 0; i < 4; ++i) out.mask[i] = data[pos + i];
    pos += 4;
  }
  out.size = pos;
  return ParseStatus::kOk;
}

void apply_mask(uint8_t* data, size_t n, const Mask& mask, size_t offset) {
  for (size_t i = 0; i < n; ++i) data[i] ^= mask[(offset + i) & 3];
}

}  // namespace protocol::ws
