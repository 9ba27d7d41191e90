// ws_reader_test.cpp — WsReader, the read side of WsSession: messages from fragments, control
// frames between them, the refusals, the closing session's skipping, and reads split anywhere.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/connection.hpp"
#include "server/ws_reader.hpp"

namespace weft {
namespace {

namespace ws = protocol::ws;
using Kind = WsReader::Event::Kind;

// A masked client frame.
crdt::Bytes frame(ws::Opcode op, std::string_view payload, bool fin = true) {
  const ws::Mask mask{0x11, 0x22, 0x33, 0x44};
  ws::Header h = ws::frame_header(op, payload.size(), &mask);
  if (!fin) h.bytes[0] &= 0x7F;
  crdt::Bytes out(h.bytes.begin(), h.bytes.begin() + h.size);
  out.insert(out.end(), payload.begin(), payload.end());
  ws::apply_mask(out.data() + h.size, payload.size(), mask, 0);
  return out;
}

crdt::Bytes concat(std::initializer_list<crdt::Bytes> parts) {
  crdt::Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// What a reader makes of `stream` fed in pieces of `piece` bytes: "m:<message>", "c<op>:<payload>",
// "bad", "refused <code>".
std::vector<std::string> read(const crdt::Bytes& stream, size_t piece, size_t limit = 1 << 20,
                              bool discard = false) {
  WsReader reader(limit);
  std::vector<std::string> seen;
  crdt::Bytes buffer;
  for (size_t at = 0; at < stream.size(); at += piece) {
    const size_t n = std::min(piece, stream.size() - at);
    buffer.insert(buffer.end(), stream.begin() + at, stream.begin() + at + n);
    size_t pos = 0;
    while (true) {
      const auto e = reader.next(buffer.data(), buffer.size(), pos, discard);
      if (e.kind == Kind::kNeedMore) break;
      if (e.kind == Kind::kBadFrame || e.kind == Kind::kRefused) {
        seen.push_back(e.kind == Kind::kBadFrame ? "bad" : "refused " + std::to_string(e.code));
        return seen;  // the session reads no further
      }
      if (e.kind == Kind::kControl) {
        seen.push_back("c" + std::to_string(static_cast<int>(e.opcode)) + ":" +
                       std::string(e.payload, e.payload + e.size));
      } else {
        const crdt::Bytes m = reader.take_message();
        seen.push_back("m:" + std::string(m.begin(), m.end()));
      }
    }
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(pos));
  }
  return seen;
}

TEST(WsReader, FragmentsMakeOneMessageWithControlFramesBetween) {
  const crdt::Bytes stream =
      concat({frame(ws::Opcode::kBinary, "hel", false), frame(ws::Opcode::kPing, "p"),
              frame(ws::Opcode::kContinuation, "lo", false),
              frame(ws::Opcode::kContinuation, " world"), frame(ws::Opcode::kBinary, "")});
  const std::vector<std::string> expected{"c9:p", "m:hello world", "m:"};
  for (size_t piece = 1; piece <= stream.size(); ++piece)
    EXPECT_EQ(read(stream, piece), expected) << "pieces of " << piece;
}

TEST(WsReader, RefusesTextContinuationsOutOfPlaceAndUnfinishedMessages) {
  EXPECT_EQ(read(frame(ws::Opcode::kText, "hi"), 64),
            std::vector<std::string>{"refused " + std::to_string(close_code::kUnsupported)});
  EXPECT_EQ(read(frame(ws::Opcode::kContinuation, "x"), 64),
            std::vector<std::string>{"refused " + std::to_string(close_code::kProtocolError)});
  EXPECT_EQ(
      read(concat({frame(ws::Opcode::kBinary, "a", false), frame(ws::Opcode::kBinary, "b")}), 64),
      std::vector<std::string>{"refused " + std::to_string(close_code::kProtocolError)});
  EXPECT_EQ(read(crdt::Bytes{0x82, 0x05, 1, 2, 3, 4, 5}, 64),  // unmasked
            std::vector<std::string>{"bad"});
}

TEST(WsReader, RefusesATooLargeMessageFromItsHeaders) {
  // Fragments adding up beyond the limit: refused at the header of the one that would cross it.
  const crdt::Bytes stream = concat({frame(ws::Opcode::kBinary, std::string(6, 'a'), false),
                                     frame(ws::Opcode::kContinuation, std::string(6, 'b'))});
  EXPECT_EQ(read(stream, 1, 10),
            std::vector<std::string>{"refused " + std::to_string(close_code::kTooLarge)});
  // A header announcing 2^40 bytes, with none of them sent.
  const crdt::Bytes huge{0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4};
  EXPECT_EQ(read(huge, 3, 32u << 20),
            std::vector<std::string>{"refused " + std::to_string(close_code::kTooLarge)});
}

TEST(WsReader, DiscardingSkipsDataButNotTheClose) {
  const crdt::Bytes stream =
      concat({frame(ws::Opcode::kText, "ignored"), frame(ws::Opcode::kBinary, "skipped"),
              frame(ws::Opcode::kClose, std::string("\x03\xe8", 2))});
  EXPECT_EQ(read(stream, 5, 4, /*discard=*/true),
            std::vector<std::string>{"c8:" + std::string("\x03\xe8", 2)});
}

TEST(WsReader, FrameLeftSaysHowMuchOfAPayloadIsMissing) {
  WsReader reader(1 << 20);
  crdt::Bytes part = frame(ws::Opcode::kBinary, std::string(300, 'x'));
  part.resize(8 + 100);  // the 8-byte header (16-bit length, mask) and 100 of the 300 bytes
  size_t pos = 0;
  EXPECT_EQ(reader.next(part.data(), part.size(), pos, false).kind, Kind::kNeedMore);
  EXPECT_EQ(pos, part.size());
  EXPECT_EQ(reader.frame_left(), 200u);
}

}  // namespace
}  // namespace weft
