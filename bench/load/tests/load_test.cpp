// load_test.cpp — weft-bench's pieces that decide what counts as delivered: markers survive a
// real Yjs update (also after the server merges several), and the Hocuspocus envelope round-trips.
#include <gtest/gtest.h>

#include <vector>

#include "bench/load/dialect.hpp"
#include "bench/load/payload.hpp"
#include "crdt/doc.hpp"
#include "crdt/update.hpp"
#include "protocol/messages.hpp"

namespace {

using bench::Marker;

const crdt::Bytes kEmptyUpdate(2, 0);

std::vector<Marker> scan(crdt::ByteView bytes) {
  std::vector<Marker> found;
  bench::scan_markers(bytes, [&](const Marker& m) { found.push_back(m); });
  return found;
}

crdt::Bytes insert(crdt::Doc& doc, uint64_t at, const std::u16string& text) {
  return doc.transact([&](crdt::Transaction& tr) { doc.insert_text(tr, "content", at, text); });
}

TEST(Payload, MarkerRoundTripsThroughAnUpdate) {
  crdt::Doc doc(7);
  const Marker m{42, 7, 123456789};
  const auto text = bench::make_marker(m);
  ASSERT_EQ(text.size(), bench::kMarkerLength);
  const auto found = scan(insert(doc, 0, text));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].sender, 42u);
  EXPECT_EQ(found[0].seq, 7u);
  EXPECT_EQ(found[0].sent_us, 123456789);
}

TEST(Payload, FindsEveryMarkerOfAMergedUpdate) {
  crdt::Doc a(1), b(2);
  const auto u1 = insert(a, 0, bench::make_marker({1, 0, 10}));
  const auto u2 = insert(a, bench::kMarkerLength, bench::make_marker({1, 1, 20}));
  const auto u3 = insert(b, 0, bench::make_marker({2, 0, 30}));
  const auto merged = crdt::merge_updates({u1, u2, u3});
  EXPECT_EQ(scan(merged).size(), 3u);
  EXPECT_TRUE(scan(u1).size() == 1 && scan(u3)[0].sender == 2);
}

TEST(Payload, IgnoresLookalikes) {
  const std::string s = "#12345678zz345678123456789abc\n#0000";
  EXPECT_TRUE(scan({reinterpret_cast<const uint8_t*>(s.data()), s.size()}).empty());
}

TEST(Dialect, YWebsocketIsPlainProtocol) {
  bench::Wire wire(bench::Dialect::kYWebsocket, "doc");
  const auto frame = protocol::encode_sync_update(kEmptyUpdate);
  EXPECT_EQ(wire.wrap(frame), frame);
}

TEST(Dialect, HocuspocusEnvelopeRoundTrips) {
  bench::Wire wire(bench::Dialect::kHocuspocus, "doc-1");
  crdt::Bytes scratch;
  const auto frame = wire.wrap(protocol::encode_sync_update(kEmptyUpdate));
  EXPECT_EQ(frame[0], 5);  // varString length of "doc-1"
  const auto in = wire.unwrap(frame, scratch);
  const auto* msg = std::get_if<protocol::Message>(&in);
  ASSERT_TRUE(msg && std::holds_alternative<protocol::SyncUpdate>(*msg));

  // SyncReply (4) carrying step 2, as Hocuspocus answers a sync step 1.
  crdt::Encoder reply;
  reply.write_var_string(std::string_view("doc-1"));
  reply.write_var_uint(4);
  reply.write_var_uint(1);
  reply.write_var_bytes(kEmptyUpdate);
  const auto in2 = wire.unwrap(reply.take(), scratch);
  const auto* msg2 = std::get_if<protocol::Message>(&in2);
  ASSERT_TRUE(msg2 && std::holds_alternative<protocol::SyncStep2>(*msg2));

  // Auth: Authenticated (2, 2, "read-write").
  crdt::Encoder enc;
  enc.write_var_string(std::string_view("doc-1"));
  enc.write_var_uint(2);
  enc.write_var_uint(2);
  enc.write_var_string(std::string_view("read-write"));
  EXPECT_TRUE(std::holds_alternative<bench::Authenticated>(wire.unwrap(enc.take(), scratch)));
}

}  // namespace
