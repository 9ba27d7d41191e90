// protocol_test.cpp — y-websocket framing, awareness rules and WebSocket frame headers.
#include <gtest/gtest.h>

#include "protocol/awareness.hpp"
#include "protocol/messages.hpp"
#include "protocol/ws_frame.hpp"

namespace protocol {
namespace {

crdt::Bytes awareness_update(std::vector<std::tuple<uint64_t, uint64_t, std::string>> entries) {
  crdt::Encoder enc;
  enc.write_var_uint(entries.size());
  for (const auto& [client, clock, state] : entries) {
    enc.write_var_uint(client);
    enc.write_var_uint(clock);
    enc.write_var_string(std::string_view(state));
  }
  return enc.take();
}

TEST(Messages, RoundTrip) {
  const crdt::Bytes sv{1, 5, 3};
  const crdt::Bytes step1 = encode_sync_step1(sv);
  EXPECT_EQ(step1, (crdt::Bytes{0, 0, 3, 1, 5, 3}));
  const Message m = decode_message(step1);
  ASSERT_TRUE(std::holds_alternative<SyncStep1>(m));
  EXPECT_EQ(crdt::Bytes(std::get<SyncStep1>(m).state_vector.begin(),
                        std::get<SyncStep1>(m).state_vector.end()),
            sv);
  EXPECT_TRUE(std::holds_alternative<SyncUpdate>(decode_message(encode_sync_update(sv))));
  EXPECT_TRUE(std::holds_alternative<SyncStep2>(decode_message(encode_sync_step2(sv))));
  EXPECT_TRUE(std::holds_alternative<AwarenessUpdate>(decode_message(encode_awareness(sv))));
  EXPECT_TRUE(std::holds_alternative<QueryAwareness>(decode_message(encode_query_awareness())));
}

TEST(Messages, BadFrames) {
  try {
    decode_message(crdt::Bytes{0, 1, 10, 1});  // payload shorter than its length
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_FALSE(e.unsupported());
  }
  try {
    decode_message(crdt::Bytes{9});
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_TRUE(e.unsupported());
  }
  EXPECT_THROW(decode_message(crdt::Bytes{}), ProtocolError);
  EXPECT_THROW(decode_message(crdt::Bytes{0x80}), ProtocolError);  // truncated varint
}

TEST(Awareness, NewerClockWinsAndNullRemoves) {
  Awareness a;
  auto c = a.apply(awareness_update({{7, 1, R"({"user":"ann"})"}}));
  EXPECT_EQ(c.added, std::vector<uint64_t>{7});
  c = a.apply(awareness_update({{7, 1, R"({"user":"old"})"}}));
  EXPECT_TRUE(c.empty());  // same clock, not null: ignored
  c = a.apply(awareness_update({{7, 2, R"({"user":"ann2"})"}}));
  EXPECT_EQ(c.updated, std::vector<uint64_t>{7});
  EXPECT_EQ(a.size(), 1u);
  c = a.apply(awareness_update({{7, 2, "null"}}));
  EXPECT_EQ(c.removed, std::vector<uint64_t>{7});
  EXPECT_EQ(a.size(), 0u);
}

// y-protocols' removeAwarenessStates keeps a remote client's clock: the removal goes out at the
// state's clock, so the client's next change (clock + 1) is newer everywhere.
TEST(Awareness, RemoveAnnouncesAtTheStatesClock) {
  Awareness a;
  a.apply(awareness_update({{7, 4, "{}"}, {8, 1, "{}"}}));
  const crdt::Bytes u = a.remove({7, 99});
  EXPECT_EQ(u, awareness_update({{7, 4, "null"}}));
  EXPECT_EQ(a.size(), 1u);
  EXPECT_TRUE(a.remove({7}).empty());
  const auto next = a.apply(awareness_update({{7, 5, R"({"back":1})"}}));
  EXPECT_EQ(next.updated, std::vector<uint64_t>{7});  // known client: updated, as y-protocols
  EXPECT_EQ(a.size(), 2u);
}

TEST(Awareness, StaleAnnouncementsOfRemovedClientsAreBehind) {
  Awareness a;
  a.apply(awareness_update({{7, 4, "{}"}, {8, 2, "{}"}}));
  a.remove({7});
  // A reconnecting provider re-announces clock 4; a new provider on the same doc starts at 1.
  auto c = a.apply(awareness_update({{7, 4, R"({"x":1})"}, {7, 1, "{}"}}));
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.behind, (std::vector<uint64_t>{7, 7}));
  EXPECT_EQ(a.encode({7, 8, 99}), awareness_update({{7, 4, "null"}, {8, 2, "{}"}}));
  // A live state repeated at its clock (y-websocket providers relay the states they receive) or
  // older is neither applied nor behind.
  c = a.apply(awareness_update({{8, 2, "{}"}, {8, 1, "{}"}}));
  EXPECT_TRUE(c.empty());
  EXPECT_TRUE(c.behind.empty());
}

TEST(Awareness, OneOwnStateAndTheClockKept) {
  EXPECT_EQ(Awareness::encode_state(7, 3, R"({"c":1})"), awareness_update({{7, 3, R"({"c":1})"}}));
  Awareness a;
  EXPECT_EQ(a.clock(7), 0u);
  a.apply(Awareness::encode_state(7, 3, "{}"));
  EXPECT_EQ(a.clock(7), 3u);
  EXPECT_TRUE(a.has_state(7));
  a.remove({7});
  EXPECT_EQ(a.clock(7), 3u);  // meta outlives state
  EXPECT_FALSE(a.has_state(7));
}

TEST(Awareness, MalformedIsRejectedWithoutChange) {
  Awareness a;
  crdt::Bytes bad = awareness_update({{1, 1, "{}"}, {2, 1, "{not json"}});
  EXPECT_THROW(a.apply(bad), crdt::DecodeError);
  EXPECT_EQ(a.size(), 0u);
  bad.pop_back();
  EXPECT_THROW(a.apply(bad), crdt::DecodeError);
}

// ---- WebSocket frames ------------------------------------------------------------------------

TEST(WsFrame, HeadersUseTheShortestLengthForm) {
  auto h = ws::frame_header(ws::Opcode::kBinary, 5);
  ASSERT_EQ(h.size, 2);
  EXPECT_EQ(h.bytes[0], 0x82);
  EXPECT_EQ(h.bytes[1], 5);
  h = ws::frame_header(ws::Opcode::kBinary, 126);
  ASSERT_EQ(h.size, 4);
  EXPECT_EQ(h.bytes[1], 126);
  EXPECT_EQ(h.bytes[2] << 8 | h.bytes[3], 126);
  h = ws::frame_header(ws::Opcode::kClose, 70000);
  ASSERT_EQ(h.size, 10);
  EXPECT_EQ(h.bytes[0], 0x88);
  EXPECT_EQ(h.bytes[1], 127);
  uint64_t n = 0;
  for (int i = 2; i < 10; ++i) n = n << 8 | h.bytes[i];
  EXPECT_EQ(n, 70000u);
  const ws::Mask mask{9, 8, 7, 6};
  h = ws::frame_header(ws::Opcode::kPing, 3, &mask);
  ASSERT_EQ(h.size, 6);
  EXPECT_EQ(h.bytes[1], 0x80 | 3);
  EXPECT_EQ(h.bytes[2], 9);
  EXPECT_EQ(h.bytes[5], 6);
}

TEST(WsFrame, MaskedFramesOfEveryLengthFormRoundTrip) {
  const ws::Mask mask{9, 8, 7, 6};
  for (size_t n : {0u, 1u, 125u, 126u, 65535u, 65536u, 200000u}) {
    std::vector<uint8_t> payload(n);
    for (size_t i = 0; i < n; ++i) payload[i] = static_cast<uint8_t>(i * 7);
    const auto header = ws::frame_header(ws::Opcode::kBinary, n, &mask);
    std::vector<uint8_t> f(header.bytes.begin(), header.bytes.begin() + header.size);
    f.insert(f.end(), payload.begin(), payload.end());
    ws::apply_mask(f.data() + header.size, n, mask, 0);
    if (n >= 4) {
      EXPECT_NE(f[header.size + 3], payload[3]) << n;  // masked on the wire
    }
    ws::FrameHeader h;
    // Every prefix shorter than the header asks for more.
    for (size_t cut = 0; cut < header.size; ++cut)
      EXPECT_EQ(ws::parse_header(f.data(), cut, true, h), ws::ParseStatus::kNeedMore) << n;
    ASSERT_EQ(ws::parse_header(f.data(), f.size(), true, h), ws::ParseStatus::kOk) << n;
    EXPECT_TRUE(h.fin);
    EXPECT_EQ(h.opcode, ws::Opcode::kBinary);
    EXPECT_EQ(h.length, n);
    EXPECT_EQ(h.size, header.size);
    EXPECT_EQ(h.mask, mask);
    // A server reading it accepts it; a client would not (and the other way round).
    EXPECT_EQ(ws::parse_header(f.data(), f.size(), false, h), ws::ParseStatus::kBadFrame) << n;
    // Unmasking in two pieces at any split gives the payload back.
    const size_t split = n / 3;
    ws::apply_mask(f.data() + header.size, split, mask, 0);
    ws::apply_mask(f.data() + header.size + split, n - split, mask, split);
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), f.begin() + header.size)) << n;
  }
}

TEST(WsFrame, RefusesWhatTheHeaderAloneMakesInvalid) {
  ws::FrameHeader h;
  const auto bad = [&h](std::vector<uint8_t> f, bool from_client = true) {
    return ws::parse_header(f.data(), f.size(), from_client, h) == ws::ParseStatus::kBadFrame;
  };
  EXPECT_TRUE(bad({0x82, 0x00}));                          // a client's frame unmasked
  EXPECT_TRUE(bad({0x82, 0x81, 1, 2, 3, 4, 0}, false));    // a server's frame masked
  EXPECT_TRUE(bad({0xC2, 0x81, 1, 2, 3, 4, 0}));           // RSV1 (no extension negotiated)
  EXPECT_TRUE(bad({0x83, 0x81, 1, 2, 3, 4, 0}));           // reserved data opcode
  EXPECT_TRUE(bad({0x8B, 0x81, 1, 2, 3, 4, 0}));           // reserved control opcode
  EXPECT_TRUE(bad({0x09, 0x81, 1, 2, 3, 4, 0}));           // fragmented ping
  EXPECT_TRUE(bad({0x89, 0xFE, 0x00, 0x7E, 1, 2, 3, 4}));  // control payload of 126
  EXPECT_TRUE(bad({0x82, 0xFE, 0x00, 0x05, 1, 2, 3, 4}));  // 16-bit form for a short length
  EXPECT_TRUE(bad({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}));  // 64-bit top bit
  EXPECT_TRUE(bad({0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 9, 1, 2, 3, 4}));     // 64-bit form, short
  EXPECT_FALSE(bad({0x02, 0x81, 1, 2, 3, 4, 0}));     // a first fragment is fine
  EXPECT_FALSE(bad({0x80, 0x81, 1, 2, 3, 4, 0}));     // so is a final continuation
  EXPECT_FALSE(bad({0x88, 0x82, 1, 2, 3, 4, 0, 0}));  // a close frame
  EXPECT_FALSE(bad({0x82, 0x01, 0}, false));          // a server's binary frame
}

}  // namespace
}  // namespace protocol
