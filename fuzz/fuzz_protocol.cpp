// fuzz_protocol.cpp — libFuzzer target: arbitrary bytes as what a peer sends on a WebSocket.
//
// 1. As one y-websocket message (decode_message): sync step 1's state vector decoded, an
//    awareness update applied to an awareness that already holds states (then its encodings read
//    back), sync step 2 / update payloads left to fuzz_update. Malformed input must be refused
//    with ProtocolError or DecodeError only.
// 2. As a stream of WebSocket frames from a client, parsed the way WsSession does: a header, then
//    its payload, then the next header. Every split point of the stream: parse_header on any
//    prefix of a header must say "need more" until the whole header is there, and then agree with
//    the parse of the whole (a header is never read differently for arriving in pieces).
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "crdt/id.hpp"
#include "protocol/awareness.hpp"
#include "protocol/messages.hpp"
#include "protocol/ws_frame.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

protocol::Awareness with_states() {
  protocol::Awareness aw;
  // Two clients' states as y-protocols encodes them: [count, (client, clock, json)…].
  crdt::Encoder enc;
  enc.write_var_uint(2);
  enc.write_var_uint(7);
  enc.write_var_uint(3);
  enc.write_var_string(R"({"user":{"name":"a","color":"#fff"},"cursor":null})");
  enc.write_var_uint(9);
  enc.write_var_uint(1);
  enc.write_var_string(R"({"user":{"name":"b"}})");
  aw.apply(enc.take());
  return aw;
}

void as_message(crdt::ByteView input) {
  protocol::Message msg;
  try {
    msg = protocol::decode_message(input);
  } catch (const protocol::ProtocolError&) {
    return;
  } catch (const crdt::DecodeError&) {
    return;
  }
  if (const auto* s1 = std::get_if<protocol::SyncStep1>(&msg)) {
    try {
      (void)crdt::decode_state_vector(s1->state_vector);
    } catch (const crdt::DecodeError&) {
    }
  } else if (const auto* aw = std::get_if<protocol::AwarenessUpdate>(&msg)) {
    protocol::Awareness awareness = with_states();
    const size_t before = awareness.size();
    try {
      const auto change = awareness.apply(aw->update);
      (void)awareness.encode(change.behind);
      std::vector<uint64_t> touched = change.added;
      touched.insert(touched.end(), change.updated.begin(), change.updated.end());
      (void)awareness.encode(touched);
    } catch (const crdt::DecodeError&) {
      check(awareness.size() == before);  // refused before changing anything
    }
    // What it holds encodes to something it accepts again.
    protocol::Awareness copy;
    copy.apply(awareness.encode_all());
    check(copy.size() == awareness.size());
  }
}

bool same(const protocol::ws::FrameHeader& a, const protocol::ws::FrameHeader& b) {
  return a.fin == b.fin && a.opcode == b.opcode && a.length == b.length && a.masked == b.masked &&
         a.mask == b.mask && a.size == b.size;
}

void as_frames(const uint8_t* data, size_t size) {
  size_t pos = 0;
  for (int frames = 0; pos < size && frames < 64; ++frames) {
    protocol::ws::FrameHeader whole;
    const auto status = protocol::ws::parse_header(data + pos, size - pos, true, whole);
    if (status != protocol::ws::ParseStatus::kOk) return;  // need more, or refused: the end
    check(whole.size >= 2 && whole.size <= 14 && whole.size <= size - pos);
    for (size_t k = 0; k < whole.size; ++k) {
      protocol::ws::FrameHeader part;
      const auto s = protocol::ws::parse_header(data + pos, k, true, part);
      check(s == protocol::ws::ParseStatus::kNeedMore || s == protocol::ws::ParseStatus::kBadFrame);
    }
    protocol::ws::FrameHeader again;
    check(protocol::ws::parse_header(data + pos, whole.size, true, again) ==
          protocol::ws::ParseStatus::kOk);
    check(same(whole, again));
    pos += whole.size;
    const uint64_t left = size - pos;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(whole.length, left));
    std::vector<uint8_t> payload(data + pos, data + pos + n);
    protocol::ws::apply_mask(payload.data(), payload.size(), whole.mask, 0);
    protocol::ws::apply_mask(payload.data(), payload.size(), whole.mask, 0);
    check(n == 0 || std::memcmp(payload.data(), data + pos, n) == 0);  // twice is the identity
    if (whole.opcode == protocol::ws::Opcode::kBinary) {
      protocol::ws::apply_mask(payload.data(), payload.size(), whole.mask, 0);
      as_message(payload);
    }
    pos += n;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  as_message(crdt::ByteView(data, size));
  as_frames(data, size);
  return 0;
}
