// protocol_test.cpp — y-websocket framing and awareness rules.
#include <gtest/gtest.h>

#include "protocol/awareness.hpp"
#include "protocol/messages.hpp"

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

TEST(Awareness, RemoveAnnouncesWithBumpedClock) {
  Awareness a;
  a.apply(awareness_update({{7, 4, "{}"}, {8, 1, "{}"}}));
  const crdt::Bytes u = a.remove({7, 99});
  EXPECT_EQ(u, awareness_update({{7, 5, "null"}}));
  EXPECT_EQ(a.size(), 1u);
  EXPECT_TRUE(a.remove({7}).empty());
}

TEST(Awareness, MalformedIsRejectedWithoutChange) {
  Awareness a;
  crdt::Bytes bad = awareness_update({{1, 1, "{}"}, {2, 1, "{not json"}});
  EXPECT_THROW(a.apply(bad), crdt::DecodeError);
  EXPECT_EQ(a.size(), 0u);
  bad.pop_back();
  EXPECT_THROW(a.apply(bad), crdt::DecodeError);
}

}  // namespace
}  // namespace protocol
