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

TEST(Update, DecodeRejectsGarbage) {
  EXPECT_THROW(decode_update(Bytes{5}), DecodeError);
  EXPECT_THROW(decode_update(Bytes{1, 1, 1, 0, 4}), DecodeError);
  EXPECT_THROW(decode_update(Bytes{1, 1, 1, 0, 30, 1}), DecodeError);  // unknown content ref
  EXPECT_NO_THROW(decode_update(Bytes{0, 0}));
}

}  // namespace
}  // namespace crdt
