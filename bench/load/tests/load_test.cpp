// load_test.cpp — weft-bench's pieces that decide what counts as delivered: markers survive a
// real Yjs update (also after the server merges several), and the Hocuspocus envelope round-trips.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bench/load/dialect.hpp"
#include "bench/load/payload.hpp"
#include "bench/load/soak.hpp"
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

TEST(Soak, SeqTrackerTellsNewFromSeenAndCountsGaps) {
  bench::SeqTracker t;
  EXPECT_TRUE(t.record(0));
  EXPECT_TRUE(t.record(1));
  EXPECT_FALSE(t.record(1));  // a duplicate
  EXPECT_TRUE(t.record(4));   // out of order: 2 and 3 still missing
  EXPECT_EQ(t.contiguous(), 2u);
  EXPECT_EQ(t.missing(6), 3u);  // 2, 3, 5
  EXPECT_FALSE(t.record(4));
  EXPECT_TRUE(t.record(2));
  EXPECT_TRUE(t.record(3));
  EXPECT_EQ(t.contiguous(), 5u);  // 4 joined the run
  EXPECT_EQ(t.missing(5), 0u);
  EXPECT_TRUE(t.has(0) && !t.has(5));
}

// The soak's reconnection names what a client received as clock = markers × kMarkerLength per
// sender: every edit (append a marker, delete the oldest beyond the window) takes exactly that
// many clocks, and the server's answer to such a state vector carries the later markers only.
TEST(Soak, EditsTakeOneMarkerOfClocksAndResyncSendsTheRest) {
  crdt::Doc writer(11);
  crdt::Doc server(1);
  const uint32_t window = 3;
  uint64_t length = 0;
  for (uint32_t seq = 0; seq < 10; ++seq) {
    const auto marker = bench::make_marker(Marker{5, seq, 0});
    const uint64_t del = length >= window * bench::kMarkerLength ? bench::kMarkerLength : 0;
    server.apply_update(writer.transact([&](crdt::Transaction& tr) {
      if (del > 0) writer.delete_text(tr, "content", 0, del);
      writer.insert_text(tr, "content", length - del, marker);
    }));
    length += marker.size() - del;
  }
  EXPECT_EQ(server.state_vector().at(11), 10 * bench::kMarkerLength);
  const std::string text = server.text("content");
  EXPECT_EQ(scan(crdt::Bytes(text.begin(), text.end())).size(), window);
  // A receiver that has markers 0..7: the answer brings 8 and 9, nothing else.
  const auto diff =
      server.encode_state_as_update(crdt::encode_state_vector({{11, 8 * bench::kMarkerLength}}));
  const auto found = scan(diff);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].seq, 8u);
  EXPECT_EQ(found[1].seq, 9u);
}

}  // namespace
