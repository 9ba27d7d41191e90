// update_test.cpp — update-level functions against the doc: merge, diff and state vectors.
#include <gtest/gtest.h>

#include "crdt/doc.hpp"
#include "crdt/update.hpp"

namespace crdt {
namespace {

TEST(Update, MergeAndDiffAgreeWithTheDoc) {
  Doc a(1);
  std::vector<Bytes> updates;
  for (int i = 0; i < 20; ++i) {
    updates.push_back(a.transact([&](Transaction& tr) { a.insert_text(tr, "content", 0, u"ab"); }));
  }
  updates.push_back(a.transact([&](Transaction& tr) { a.delete_text(tr, "content", 3, 10); }));
  const Bytes merged = merge_updates({updates.begin(), updates.end()});
  Doc b(2);
  b.apply_update(merged);
  EXPECT_EQ(b.text("content"), a.text("content"));
  EXPECT_EQ(encode_state_vector_from_update(merged), a.encode_state_vector());

  Doc half(3);
  for (size_t i = 0; i < 10; ++i) half.apply_update(updates[i]);
  half.apply_update(diff_update(merged, half.encode_state_vector()));
  EXPECT_EQ(half.text("content"), a.text("content"));
}

// subtract: what one delete set has that another does not, range by range.
TEST(Update, SubtractDeleteSets) {
  DeleteSet a, b;
  a.add(1, 0, 10);
  a.add(1, 20, 5);
  a.add(2, 0, 3);
  b.add(1, 2, 3);   // cuts [0,10) into [0,2) and [5,10)
  b.add(1, 8, 14);  // cuts [5,10) to [5,8) and [20,25) to [22,25)
  b.add(3, 0, 1);   // a client a does not have
  const DeleteSet d = subtract(a, b);
  EXPECT_EQ(d.clients.at(1).size(), 3u);
  EXPECT_EQ(d.clients.at(1)[0].clock, 0u);
  EXPECT_EQ(d.clients.at(1)[0].len, 2u);
  EXPECT_EQ(d.clients.at(1)[1].clock, 5u);
  EXPECT_EQ(d.clients.at(1)[1].len, 3u);
  EXPECT_EQ(d.clients.at(1)[2].clock, 22u);
  EXPECT_EQ(d.clients.at(1)[2].len, 3u);
  EXPECT_EQ(d.clients.at(2).size(), 1u);
  EXPECT_EQ(d.clients.count(3), 0u);
  EXPECT_TRUE(subtract(a, a).clients.empty() || subtract(a, a).clients.at(1).empty());
}

// A delta without the older state's deletions rebuilds the newer state on top of the older one
// exactly as the full diff does, and is smaller when much was deleted before.
TEST(Update, DiffWithoutKnownDeletesRebuildsTheSameState) {
  Doc a(1);
  for (int i = 0; i < 50; ++i) {
    a.transact([&](Transaction& tr) { a.insert_text(tr, "content", 0, u"line of text\n"); });
  }
  a.transact([&](Transaction& tr) { a.delete_text(tr, "content", 10, 300); });
  const Bytes older = a.encode_state_as_update();
  a.transact([&](Transaction& tr) { a.insert_text(tr, "content", 5, u"new"); });
  a.transact([&](Transaction& tr) { a.delete_text(tr, "content", 40, 20); });
  const Bytes newer = a.encode_state_as_update();
  DeleteSet known = decode_update(older).ds;
  known.sort_and_merge();
  const Bytes full = diff_update(newer, encode_state_vector_from_update(older));
  const Bytes lean = diff_update(newer, encode_state_vector_from_update(older), known);
  EXPECT_LT(lean.size(), full.size());
  Doc x(7), y(8);
  x.apply_update(older);
  x.apply_update(full);
  y.apply_update(older);
  y.apply_update(lean);
  EXPECT_EQ(y.text("content"), a.text("content"));
  EXPECT_EQ(y.encode_state_as_update(), x.encode_state_as_update());
}

TEST(Update, DecodeRejectsGarbage) {
  EXPECT_THROW(decode_update(Bytes{5}), DecodeError);
  EXPECT_THROW(decode_update(Bytes{1, 1, 1, 0, 4}), DecodeError);
  EXPECT_THROW(decode_update(Bytes{1, 1, 1, 0, 30, 1}), DecodeError);  // unknown content ref
  EXPECT_NO_THROW(decode_update(Bytes{0, 0}));
}

}  // namespace
}  // namespace crdt
