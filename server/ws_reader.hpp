// ws_reader.hpp — the read side of a WebSocket connection without the socket: the bytes a client
// sent, as they arrive, turned into whole binary messages and control frames (RFC 6455 §5).
//
// WsSession keeps its read buffer and hands every byte it holds to next() until "need more"; the
// reader owns what spans reads: the frame whose payload is still arriving and the fragments of the
// data message so far. A data frame is checked as soon as its header is there — a continuation
// out of place or an unfinished message followed by a new one (1002), a text frame (1003), a
// message that would grow beyond the limit (4413, before any of its payload is buffered) — and
// its payload is unmasked where it lies and appended to the message. A control frame (≤ 125
// bytes, headers say so) is handed over only once it is whole, pointing into the caller's buffer.
// Nothing here blocks or allocates beyond the message being assembled.
//
// While `discard` is true (the session's close frame is out) data payload is skipped and not
// checked: only a control frame — the peer's close — still matters. fuzz/fuzz_ws_frames.cpp feeds
// it arbitrary bytes split anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "crdt/lib0.hpp"
#include "protocol/ws_frame.hpp"

namespace weft {

class WsReader {
 public:
  struct Event {
    enum class Kind {
      kNeedMore,  // every byte up to `pos` is consumed; the rest waits for more
      kMessage,   // a whole data message: take_message()
      kControl,   // a control frame: opcode, payload and size (unmasked, in the caller's buffer)
      kBadFrame,  // a header that is not a valid client frame (protocol::ws::parse_header)
      kRefused,   // a data frame refused: close with `code` and `reason`
    };
    Kind kind = Kind::kNeedMore;
    protocol::ws::Opcode opcode = protocol::ws::Opcode::kContinuation;
    const uint8_t* payload = nullptr;
    size_t size = 0;
    uint16_t code = 0;
    const char* reason = "";
  };

  explicit WsReader(size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  // permessage-deflate was negotiated: a message's first frame may carry RSV1, and then the
  // message taken is compressed (message_compressed(); the session inflates it).
  void set_deflate(bool on) { deflate_ = on; }
  // Reads from data[pos, size) up to the next event and advances `pos` past what it consumed.
  // After kBadFrame or kRefused the stream is not worth reading further.
  Event next(uint8_t* data, size_t size, size_t& pos, bool discard);
  // The message of the last kMessage (moved out; the reader starts the next one empty).
  crdt::Bytes take_message();
  // Whether the last kMessage was sent compressed (its first frame had RSV1).
  bool message_compressed() const { return compressed_; }
  // Payload bytes of the current frame not read yet (0 between frames): how much to read next.
  uint64_t frame_left() const { return in_frame_ ? frame_left_ : 0; }

 private:
  const size_t max_message_bytes_;
  protocol::ws::FrameHeader frame_;
  bool in_frame_ = false;      // frame_'s payload is still arriving
  uint64_t frame_left_ = 0;    // its payload bytes not read yet
  uint64_t frame_offset_ = 0;  // its payload bytes read (for the mask)
  bool in_message_ = false;    // a fragmented data message continues
  bool deflate_ = false;       // RSV1 allowed on a message's first frame
  bool compressed_ = false;    // the message in progress (or the last one) is compressed
  crdt::Bytes message_;
};

}  // namespace weft
