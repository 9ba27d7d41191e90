// doc_test.cpp — local text editing, sync between docs, pending updates and atomic rejection.
#include <gtest/gtest.h>

#include <random>

#include "crdt/doc.hpp"

namespace crdt {
namespace {

Bytes insert(Doc& doc, uint64_t index, std::u16string_view text) {
  return doc.transact([&](Transaction& tr) { doc.insert_text(tr, "content", index, text); });
}

Bytes erase(Doc& doc, uint64_t index, uint64_t len) {
  return doc.transact([&](Transaction& tr) { doc.delete_text(tr, "content", index, len); });
}

TEST(Doc, LocalEditsAndMerging) {
  Doc doc(1);
  insert(doc, 0, u"hello");
  insert(doc, 5, u" world");
  insert(doc, 5, u",");
  EXPECT_EQ(doc.text("content"), "hello, world");
  erase(doc, 0, 1);
  insert(doc, 0, u"H");
  EXPECT_EQ(doc.text("content"), "Hello, world");
  EXPECT_EQ(doc.text_length("content"), 12u);
  // Sequential typing collapses into few structs.
  Doc typing(2);
  for (int i = 0; i < 100; ++i) insert(typing, static_cast<uint64_t>(i), u"x");
  EXPECT_EQ(typing.struct_count(), 1u);
}

TEST(Doc, TwoDocsConvergeThroughUpdates) {
  Doc a(1), b(2);
  const Bytes ua = insert(a, 0, u"abc");
  const Bytes ub = insert(b, 0, u"xyz");
  a.apply_update(ub);
  b.apply_update(ua);
  EXPECT_EQ(a.text("content"), b.text("content"));
  EXPECT_EQ(a.encode_state_as_update(), b.encode_state_as_update());
  // Concurrent same-position inserts: lower client id first.
  EXPECT_EQ(a.text("content"), "abcxyz");
}

// What the server attributes to a sender: the clocks each client of an update gained, and the
// clocks it newly deleted (a repeat of an update adds and deletes nothing).
TEST(Doc, ApplyReportsWhatChanged) {
  Doc a(1), b(2), server(9);
  const Bytes typed = insert(a, 0, u"hello");
  const Bytes more = insert(b, 0, u"xy");
  Applied first = server.apply_update(typed);
  ASSERT_EQ(first.added.size(), 1u);
  EXPECT_EQ(first.added[0], (std::pair<uint64_t, uint64_t>{1, 5}));
  EXPECT_EQ(first.deleted, 0u);
  EXPECT_TRUE(server.apply_update(typed).added.empty());  // already known
  a.apply_update(more);
  ASSERT_EQ(a.text("content"), "helloxy");  // concurrent inserts at 0: the lower client first
  const Bytes removed = erase(a, 1, 5);     // "ello" of client 1 and "x" of client 2
  server.apply_update(more);
  const Applied second = server.apply_update(removed);
  EXPECT_TRUE(second.added.empty());
  EXPECT_EQ(second.deleted, 5u);
  EXPECT_EQ(server.apply_update(removed).deleted, 0u);
  EXPECT_EQ(server.text("content"), "hy");
}

// An update that overlaps what the doc has (a sync answer that repeats live updates) reports how
// many of its clocks were known and the state before it; cut to diff_update(update, before), it
// holds just what the doc gained.
TEST(Doc, ApplyReportsWhatWasKnown) {
  Doc a(1), server(9);
  const Bytes hello = insert(a, 0, u"hello ");
  insert(a, 6, u"world");
  const Bytes whole = a.encode_state_as_update();
  EXPECT_EQ(server.apply_update(hello).known, 0u);
  const Applied overlap = server.apply_update(whole);
  EXPECT_EQ(overlap.known, 6u);
  ASSERT_EQ(overlap.added.size(), 1u);
  EXPECT_EQ(overlap.added[0].second, 5u);
  EXPECT_EQ(state_of(overlap.before, 1), 6u);
  const DecodedUpdate gained =
      decode_update(diff_update(whole, encode_state_vector(overlap.before)));
  ASSERT_EQ(gained.structs.size(), 1u);
  EXPECT_EQ(gained.structs[0].id.clock, 6u);
  EXPECT_EQ(gained.structs[0].length, 5u);
  EXPECT_EQ(server.apply_update(whole).known, 11u);  // all of it, again
}

// text_runs gives the visible characters with the id of each item's first one; their text is the
// doc's text.
TEST(Doc, TextRunsCoverTheTextWithIds) {
  Doc a(1), b(2);
  insert(a, 0, u"abcdef");
  b.apply_update(a.encode_state_as_update());
  insert(b, 3, u"XY");
  erase(b, 0, 1);
  std::u16string joined;
  std::vector<std::pair<uint64_t, uint64_t>> ids;
  for (const TextRun& r : b.text_runs("content")) {
    joined += r.text;
    ids.emplace_back(r.id.client, r.id.clock);
  }
  EXPECT_EQ(joined, b.text16("content"));
  EXPECT_EQ(b.text("content"), "bcXYdef");
  // "bc" from client 1 at clock 1 (the "a" at 0 is deleted), "XY" from 2 at 0, "def" from 1 at 3.
  EXPECT_EQ(ids, (std::vector<std::pair<uint64_t, uint64_t>>{{1, 1}, {2, 0}, {1, 3}}));
}

TEST(Doc, RandomEditsConverge) {
  std::mt19937 rng(7);
  Doc a(10), b(20), c(30);
  std::vector<Doc*> docs{&a, &b, &c};
  std::vector<Bytes> log;
  for (int round = 0; round < 300; ++round) {
    Doc& d = *docs[rng() % 3];
    const uint64_t len = d.text_length("content");
    if (len > 0 && rng() % 3 == 0) {
      const uint64_t pos = rng() % len;
      log.push_back(erase(d, pos, 1 + rng() % std::min<uint64_t>(len - pos, 4)));
    } else {
      log.push_back(insert(d, len ? rng() % (len + 1) : 0, u"ab"));
    }
    if (rng() % 5 == 0) {
      for (Doc* x : docs) x->apply_update(d.encode_state_as_update(x->encode_state_vector()));
    }
  }
  for (Doc* x : docs)
    for (Doc* y : docs) x->apply_update(y->encode_state_as_update(x->encode_state_vector()));
  EXPECT_EQ(a.text("content"), b.text("content"));
  EXPECT_EQ(b.text("content"), c.text("content"));
  // Replaying the per-transaction log in reverse order (all pending until the first arrives).
  Doc r(99);
  for (auto it = log.rbegin(); it != log.rend(); ++it) r.apply_update(*it);
  EXPECT_EQ(r.text("content"), a.text("content"));
  EXPECT_FALSE(r.has_pending());
}

// text_utf8_size is a running count (Type::utf8_size): it must equal the size of the text in
// UTF-8 after local edits, remote ones, deletions, splits (also of a surrogate pair, which turns
// into two U+FFFD) and merges.
TEST(Doc, Utf8SizeFollowsEveryEdit) {
  std::mt19937 rng(11);
  const std::u16string pieces[] = {u"ab", u"\u00e9t\u00e9", u"\u4e2d\u6587", u"x\U0001F600y",
                                   u"\U0001F680\U0001F680"};
  Doc a(10), b(20);
  for (int round = 0; round < 400; ++round) {
    Doc& d = rng() % 2 ? a : b;
    const uint64_t len = d.text_length("content");
    if (len > 0 && rng() % 3 == 0) {
      const uint64_t pos = rng() % len;  // may fall inside a surrogate pair
      erase(d, pos, 1 + rng() % std::min<uint64_t>(len - pos, 5));
    } else {
      insert(d, len ? rng() % (len + 1) : 0, pieces[rng() % 5]);
    }
    ASSERT_EQ(d.text_utf8_size("content"), d.text("content").size()) << "round " << round;
    if (rng() % 4 == 0) {
      a.apply_update(b.encode_state_as_update(a.encode_state_vector()));
      b.apply_update(a.encode_state_as_update(b.encode_state_vector()));
      ASSERT_EQ(a.text_utf8_size("content"), a.text("content").size()) << "round " << round;
      ASSERT_EQ(b.text_utf8_size("content"), b.text("content").size()) << "round " << round;
    }
  }
  Doc r(99);
  r.apply_update(a.encode_state_as_update());
  EXPECT_EQ(r.text_utf8_size("content"), r.text("content").size());
  EXPECT_GT(r.text_utf8_size("content"), r.text_length("content"));  // not all ASCII
}

TEST(Doc, OutOfOrderUpdatesWaitAsPending) {
  Doc a(1);
  const Bytes u1 = insert(a, 0, u"one ");
  const Bytes u2 = insert(a, 4, u"two");
  const Bytes u3 = erase(a, 0, 2);
  Doc b(2);
  b.apply_update(u3);
  b.apply_update(u2);
  EXPECT_TRUE(b.has_pending());
  EXPECT_EQ(b.text("content"), "");
  // The pending part is still part of the state b sends on.
  Doc c(3);
  c.apply_update(b.encode_state_as_update());
  b.apply_update(u1);
  EXPECT_FALSE(b.has_pending());
  EXPECT_EQ(b.text("content"), "e two");
  c.apply_update(u1);
  EXPECT_EQ(c.text("content"), "e two");
}

TEST(Doc, MalformedUpdateLeavesDocUnchanged) {
  Doc a(1);
  insert(a, 0, u"stable");
  const Bytes before = a.encode_state_as_update();
  Doc other(5);
  Bytes u = insert(other, 0, u"incoming text");
  for (size_t cut = 0; cut < u.size(); ++cut) {
    const Bytes truncated(u.begin(), u.begin() + static_cast<ptrdiff_t>(cut));
    try {
      a.apply_update(truncated);
    } catch (const DecodeError&) {
    }
    // Either rejected or a valid prefix that integrates nothing invalid; never corrupted.
    EXPECT_EQ(a.encode_state_as_update().size() >= before.size(), true);
  }
  Doc fresh(1);
  insert(fresh, 0, u"stable");
  EXPECT_THROW(fresh.apply_update(Bytes{1, 1, 5, 0, 0xff}), DecodeError);
  EXPECT_EQ(fresh.encode_state_as_update(), before);
}

TEST(Doc, PositionsAreUtf16) {
  Doc d(1);
  insert(d, 0, u"a\U0001F600b");  // surrogate pair counts 2
  EXPECT_EQ(d.text_length("content"), 4u);
  erase(d, 1, 2);
  EXPECT_EQ(d.text("content"), "ab");
  EXPECT_THROW(insert(d, 3, u"x"), std::out_of_range);
}

}  // namespace
}  // namespace crdt
