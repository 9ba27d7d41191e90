// chain_test.cpp — what a capture that holds only what is new since its room's last one relies on:
// covers_head (may the delta be taken from it?) and whole_state (the fallback when not), over a
// real SQLite store.
#include "server/history/chain.hpp"

#include <gtest/gtest.h>

#include "crdt/doc.hpp"
#include "store/tests/temp_dir.hpp"

namespace weft::history {
namespace {

crdt::Bytes type(crdt::Doc& doc, std::u16string_view text) {
  return doc.transact([&](crdt::Transaction& tr) {
    doc.insert_text(tr, "content", doc.text_length("content"), text);
  });
}

// Captures `doc`'s whole state as the server's capture job does.
store::Version capture(store::Store& store, int64_t document_id, const crdt::Doc& doc) {
  const crdt::Bytes state = doc.encode_state_as_update();
  store::Capture c;
  c.document_id = document_id;
  c.kind = "auto";
  c.state_vector = doc.encode_state_vector();
  c.fingerprint = fingerprint_of(c.state_vector, state);
  return store::History(store).capture(c, [&](const std::optional<store::Bytes>& head_sv,
                                              const std::optional<store::Bytes>& head_fingerprint) {
    return capture_delta(state, head_sv, head_fingerprint);
  });
}

std::string text_of(const crdt::Bytes& state) {
  crdt::Doc doc;
  doc.apply_update(state);
  EXPECT_FALSE(doc.has_pending());
  return doc.text("content");
}

TEST(Chain, CoversHead) {
  crdt::Doc a(1), b(2);
  type(a, u"abc");
  const crdt::Bytes a3 = a.encode_state_vector();
  type(a, u"d");
  const crdt::Bytes a4 = a.encode_state_vector();
  type(b, u"x");
  b.apply_update(a.encode_state_as_update());
  const crdt::Bytes b_and_a4 = b.encode_state_vector();
  EXPECT_TRUE(covers_head({}, std::nullopt));  // a whole state covers anything
  EXPECT_TRUE(covers_head({}, a3));
  EXPECT_FALSE(covers_head(a3, std::nullopt));  // no head: nothing to build on
  EXPECT_TRUE(covers_head(a3, a3));
  EXPECT_TRUE(covers_head(a3, a4));
  EXPECT_FALSE(covers_head(a4, a3));
  EXPECT_TRUE(covers_head(a4, b_and_a4));
  EXPECT_FALSE(covers_head(b_and_a4, a4));  // the head lacks client 2
}

TEST(Chain, WholeStateFromTheChainAndWhatIsNew) {
  store::testing::TempDir dir;
  auto store = store::open_sqlite((dir.path() / "weft.db").string());
  store->ensure_document(1);
  store->ensure_document(2);

  // This room captured "hello"; another instance, which had not seen it, then captured its own
  // state: the head no longer covers this room's base.
  crdt::Doc here(1), there(2);
  type(here, u"hello");
  capture(*store, 1, here);
  const crdt::Bytes base = here.encode_state_vector();
  type(there, u"[there]");
  const store::Version head = capture(*store, 1, there);
  EXPECT_FALSE(covers_head(base, there.encode_state_vector()));
  EXPECT_EQ(store::History(*store).head(1)->id, head.id);

  type(here, u" world");
  const crdt::Bytes update = here.encode_state_as_update(base);
  const auto whole = whole_state(*store, 1, update);
  ASSERT_TRUE(whole);
  crdt::Doc both;
  both.apply_update(here.encode_state_as_update());
  both.apply_update(there.encode_state_as_update());
  EXPECT_EQ(text_of(*whole), both.text("content"));
  EXPECT_NE(both.text("content").find("hello world"), std::string::npos);

  // Where the chain does not hold the base (document 2 only has the other instance's version),
  // the update cannot be made whole from it.
  capture(*store, 2, there);
  EXPECT_EQ(whole_state(*store, 2, update), std::nullopt);
  // No version at all: nothing to build on either.
  store->ensure_document(3);
  EXPECT_EQ(whole_state(*store, 3, update), std::nullopt);
}

}  // namespace
}  // namespace weft::history
