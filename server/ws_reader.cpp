// ws_reader.cpp — frames and messages from a client's bytes.
#include "server/ws_reader.hpp"

#include <algorithm>

#include "server/connection.hpp"

namespace weft {

namespace ws = protocol::ws;

namespace {
constexpr size_t kReserveAtMost = 64 * 1024;  // a large message grows as its payload arrives
}  // namespace

WsReader::Event WsReader::next(uint8_t* data, size_t size, size_t& pos, bool discard) {
  using Kind = Event::Kind;
  while (true) {
    if (!in_frame_) {
      const auto status =
          ws::parse_header(data + pos, size - pos, /*from_client=*/true, frame_, deflate_);
      if (status == ws::ParseStatus::kNeedMore) return {};
      if (status == ws::ParseStatus::kBadFrame) return {.kind = Kind::kBadFrame};
      if (ws::is_control(frame_.opcode)) {
        if (size - pos < frame_.size + frame_.length) return {};  // wait for the whole frame
        uint8_t* payload = data + pos + frame_.size;
        const auto n = static_cast<size_t>(frame_.length);
        ws::apply_mask(payload, n, frame_.mask, 0);
        pos += frame_.size + n;
        return {.kind = Kind::kControl, .opcode = frame_.opcode, .payload = payload, .size = n};
      }
      const bool continuation = frame_.opcode == ws::Opcode::kContinuation;
      if (!discard) {
        if (continuation != in_message_)
          return {.kind = Kind::kRefused,
                  .code = close_code::kProtocolError,
                  .reason = "unexpected continuation or unfinished message"};
        if (frame_.opcode == ws::Opcode::kText)
          return {.kind = Kind::kRefused,
                  .code = close_code::kUnsupported,
                  .reason = "text frames are not supported"};
        if (message_.size() + frame_.length > max_message_bytes_)
          return {
              .kind = Kind::kRefused, .code = close_code::kTooLarge, .reason = "message too large"};
        if (!in_message_) message_.reserve(std::min<uint64_t>(frame_.length, kReserveAtMost));
      }
      if (!continuation) compressed_ = frame_.rsv1;
      in_message_ = !frame_.fin;
      pos += frame_.size;
      in_frame_ = true;
      frame_left_ = frame_.length;
      frame_offset_ = 0;
    }
    const auto take = static_cast<size_t>(std::min<uint64_t>(frame_left_, size - pos));
    if (!discard) {
      ws::apply_mask(data + pos, take, frame_.mask, static_cast<size_t>(frame_offset_));
      message_.insert(message_.end(), data + pos, data + pos + take);
    }
    pos += take;
    frame_left_ -= take;
    frame_offset_ += take;
    if (frame_left_ > 0) return {};
    in_frame_ = false;
    if (frame_.fin && !discard) return {.kind = Kind::kMessage};
  }
}

crdt::Bytes WsReader::take_message() {
  crdt::Bytes out = std::move(message_);
  message_ = {};
  return out;
}

}  // namespace weft
