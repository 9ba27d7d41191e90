// ws_deflate_test.cpp — permessage-deflate: which offers are answered and how, compression shared
// by a broadcast's receivers, inflation of what clients send (with zlib as the independent other
// end), its limit and its refusals; and RSV1 in the frame parser and WsReader.
#include "server/ws_deflate.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

#include "server/ws_reader.hpp"

namespace weft {
namespace {

namespace ws = protocol::ws;
constexpr std::string_view kAnswer =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

TEST(WsDeflate, AnswersWhatBrowsersAndWsOffer) {
  // Chromium and Firefox; ws (node); a client that already asks for no context takeover.
  EXPECT_EQ(ws_deflate::accept("permessage-deflate; client_max_window_bits"), kAnswer);
  EXPECT_EQ(ws_deflate::accept("permessage-deflate"), kAnswer);
  EXPECT_EQ(ws_deflate::accept("permessage-deflate; client_max_window_bits=15; "
                               "server_no_context_takeover; client_no_context_takeover"),
            kAnswer);
  EXPECT_EQ(ws_deflate::accept("permessage-deflate;server_max_window_bits=15"), kAnswer);
  EXPECT_EQ(ws_deflate::accept("permessage-deflate; client_max_window_bits=\"10\""), kAnswer);
}

TEST(WsDeflate, DeclinesOffersItCannotKeepAndTakesTheNext) {
  EXPECT_EQ(ws_deflate::accept(""), std::nullopt);
  EXPECT_EQ(ws_deflate::accept("x-webkit-deflate-frame"), std::nullopt);
  EXPECT_EQ(ws_deflate::accept("permessage-deflate; server_max_window_bits=10"), std::nullopt);
  EXPECT_EQ(ws_deflate::accept("permessage-deflate; server_max_window_bits"), std::nullopt);
  EXPECT_EQ(ws_deflate::accept("permessage-deflate; client_max_window_bits=16"), std::nullopt);
  EXPECT_EQ(ws_deflate::accept("permessage-deflate; client_max_window_bits=08"), std::nullopt);
  EXPECT_EQ(ws_deflate::accept("permessage-deflate; server_no_context_takeover=1"), std::nullopt);
  EXPECT_EQ(ws_deflate::accept(
                "permessage-deflate; client_no_context_takeover; client_no_context_takeover"),
            std::nullopt);
  EXPECT_EQ(ws_deflate::accept("permessage-deflate; mystery"), std::nullopt);
  // The first acceptable offer of several wins.
  EXPECT_EQ(ws_deflate::accept("permessage-deflate; server_max_window_bits=9, permessage-deflate"),
            kAnswer);
  EXPECT_EQ(ws_deflate::accept("foo, permessage-deflate; client_max_window_bits"), kAnswer);
}

// What a client would do with a message the server compressed: raw inflate after appending the
// tail (RFC 7692 §7.2.2), with zlib directly.
crdt::Bytes client_inflate(const crdt::Bytes& payload) {
  crdt::Bytes in = payload;
  in.insert(in.end(), {0x00, 0x00, 0xFF, 0xFF});
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, -15), Z_OK);
  crdt::Bytes out(1 << 22);
  z.next_in = in.data();
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = ::inflate(&z, Z_SYNC_FLUSH);
  EXPECT_TRUE(rc == Z_OK || rc == Z_STREAM_END) << rc;
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  return out;
}

// What a client sends: raw deflate with a sync flush, the tail removed (§7.2.1). `final`: the
// last block has BFINAL set (Z_FINISH), which a sender may do too.
crdt::Bytes client_deflate(const crdt::Bytes& message, bool final = false) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  crdt::Bytes out(deflateBound(&z, message.size()) + 16);
  z.next_in = const_cast<Bytef*>(message.data());
  z.avail_in = static_cast<uInt>(message.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(::deflate(&z, final ? Z_FINISH : Z_SYNC_FLUSH), final ? Z_STREAM_END : Z_OK);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  if (!final) out.resize(out.size() - 4);
  return out;
}

crdt::Bytes text_like(size_t n) {
  const std::string line = "    const value = compute(items[index], options.depth);\n";
  crdt::Bytes out;
  while (out.size() < n) out.insert(out.end(), line.begin(), line.end());
  out.resize(n);
  return out;
}

TEST(WsDeflate, CompressesOnceForEveryReceiverAndTheClientReadsIt) {
  const Frame frame = std::make_shared<const crdt::Bytes>(text_like(100000));
  const Frame z = ws_deflate::compressed(frame);
  ASSERT_NE(z, nullptr);
  EXPECT_LT(z->size(), frame->size() / 5);
  EXPECT_EQ(client_inflate(*z), *frame);
  // Every receiver of the broadcast gets the very same compressed frame.
  EXPECT_EQ(ws_deflate::compressed(frame), z);
  // An equal payload in another frame is compressed again (frames are told apart by identity).
  const Frame other = std::make_shared<const crdt::Bytes>(*frame);
  const Frame z2 = ws_deflate::compressed(other);
  ASSERT_NE(z2, nullptr);
  EXPECT_NE(z2, z);
  EXPECT_EQ(*z2, *z);
}

TEST(WsDeflate, SmallOrIncompressibleMessagesGoAsTheyAre) {
  EXPECT_EQ(ws_deflate::compressed(
                std::make_shared<const crdt::Bytes>(text_like(ws_deflate::kMinBytes - 1))),
            nullptr);
  EXPECT_NE(
      ws_deflate::compressed(std::make_shared<const crdt::Bytes>(text_like(ws_deflate::kMinBytes))),
      nullptr);
  std::mt19937 rng(7);
  crdt::Bytes noise(4096);
  for (auto& b : noise) b = static_cast<uint8_t>(rng());
  EXPECT_EQ(ws_deflate::compressed(std::make_shared<const crdt::Bytes>(noise)), nullptr);
  EXPECT_EQ(ws_deflate::compressed(nullptr), nullptr);
}

TEST(WsDeflate, InflatesWhatClientsSend) {
  for (const size_t n : {size_t{0}, size_t{1}, size_t{300}, size_t{65536}, size_t{1} << 20}) {
    const crdt::Bytes message = text_like(n);
    for (const bool final : {false, true}) {
      crdt::Bytes out;
      ASSERT_EQ(ws_deflate::inflate(client_deflate(message, final), 2u << 20, out),
                ws_deflate::Inflated::kOk)
          << n << " final " << final;
      EXPECT_EQ(out, message);
    }
  }
}

TEST(WsDeflate, StopsAtTheLimitAndRefusesWhatIsNotDeflate) {
  // A bomb: 16 MiB of zeros in a few KiB; refused once the output passes the limit.
  const crdt::Bytes bomb = client_deflate(crdt::Bytes(16u << 20, 0));
  EXPECT_LT(bomb.size(), 64u * 1024);
  crdt::Bytes out;
  EXPECT_EQ(ws_deflate::inflate(bomb, 1u << 20, out), ws_deflate::Inflated::kTooLarge);
  EXPECT_LE(out.size(), (1u << 20) + 1);
  // Exactly at the limit is fine.
  EXPECT_EQ(ws_deflate::inflate(client_deflate(text_like(1000)), 1000, out),
            ws_deflate::Inflated::kOk);
  EXPECT_EQ(ws_deflate::inflate(client_deflate(text_like(1001)), 1000, out),
            ws_deflate::Inflated::kTooLarge);
  // Not deflate data; and bytes after a final block.
  EXPECT_EQ(ws_deflate::inflate(crdt::Bytes{0xFF, 0xFF, 0xFF, 0xFF}, 1000, out),
            ws_deflate::Inflated::kBad);
  crdt::Bytes trailing = client_deflate(text_like(500), /*final=*/true);
  trailing.push_back(0x42);
  EXPECT_EQ(ws_deflate::inflate(trailing, 1000, out), ws_deflate::Inflated::kBad);
  // The inflater is reset for each message: a good one after a bad one inflates.
  EXPECT_EQ(ws_deflate::inflate(client_deflate(text_like(700)), 1000, out),
            ws_deflate::Inflated::kOk);
  EXPECT_EQ(out, text_like(700));
}

crdt::Bytes masked_frame(ws::Opcode op, const crdt::Bytes& payload, bool rsv1, bool fin = true) {
  const ws::Mask mask{0x01, 0x02, 0x03, 0x04};
  ws::Header h = ws::frame_header(op, payload.size(), &mask, rsv1);
  if (!fin) h.bytes[0] &= 0x7F;
  crdt::Bytes out(h.bytes.begin(), h.bytes.begin() + h.size);
  out.insert(out.end(), payload.begin(), payload.end());
  ws::apply_mask(out.data() + h.size, payload.size(), mask, 0);
  return out;
}

TEST(WsDeflate, Rsv1OnlyWhereNegotiatedAndOnlyOnAMessagesFirstFrame) {
  const crdt::Bytes payload = client_deflate(text_like(400));
  crdt::Bytes f = masked_frame(ws::Opcode::kBinary, payload, true);
  ws::FrameHeader h;
  EXPECT_EQ(ws::parse_header(f.data(), f.size(), true, h), ws::ParseStatus::kBadFrame);
  ASSERT_EQ(ws::parse_header(f.data(), f.size(), true, h, true), ws::ParseStatus::kOk);
  EXPECT_TRUE(h.rsv1);
  crdt::Bytes ping = masked_frame(ws::Opcode::kPing, {}, true);
  EXPECT_EQ(ws::parse_header(ping.data(), ping.size(), true, h, true), ws::ParseStatus::kBadFrame);
  crdt::Bytes cont = masked_frame(ws::Opcode::kContinuation, {1}, true);
  EXPECT_EQ(ws::parse_header(cont.data(), cont.size(), true, h, true), ws::ParseStatus::kBadFrame);
  crdt::Bytes rsv2 = masked_frame(ws::Opcode::kBinary, {1}, false);
  rsv2[0] |= 0x20;
  EXPECT_EQ(ws::parse_header(rsv2.data(), rsv2.size(), true, h, true), ws::ParseStatus::kBadFrame);

  // A compressed message in two fragments, then a plain one: the reader says which is which.
  WsReader reader(1 << 20);
  reader.set_deflate(true);
  const size_t half = payload.size() / 2;
  crdt::Bytes stream = masked_frame(
      ws::Opcode::kBinary, crdt::Bytes(payload.begin(), payload.begin() + half), true, false);
  const crdt::Bytes rest = masked_frame(ws::Opcode::kContinuation,
                                        crdt::Bytes(payload.begin() + half, payload.end()), false);
  stream.insert(stream.end(), rest.begin(), rest.end());
  const crdt::Bytes plain = masked_frame(ws::Opcode::kBinary, {0, 0, 1, 0}, false);
  stream.insert(stream.end(), plain.begin(), plain.end());
  size_t pos = 0;
  ASSERT_EQ(reader.next(stream.data(), stream.size(), pos, false).kind,
            WsReader::Event::Kind::kMessage);
  EXPECT_TRUE(reader.message_compressed());
  crdt::Bytes out;
  ASSERT_EQ(ws_deflate::inflate(reader.take_message(), 1 << 20, out), ws_deflate::Inflated::kOk);
  EXPECT_EQ(out, text_like(400));
  ASSERT_EQ(reader.next(stream.data(), stream.size(), pos, false).kind,
            WsReader::Event::Kind::kMessage);
  EXPECT_FALSE(reader.message_compressed());
  EXPECT_EQ(reader.take_message(), (crdt::Bytes{0, 0, 1, 0}));
}

}  // namespace
}  // namespace weft
