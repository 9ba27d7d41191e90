// blame_test.cpp — history::blame over real docs: authors by client, times by the first version
// that holds each character, items typed across versions cut at the version, line authors by
// majority, and empty lines by their line break.
#include "server/history/blame.hpp"

#include <gtest/gtest.h>

#include "crdt/doc.hpp"

namespace weft::history {
namespace {

crdt::Bytes insert(crdt::Doc& doc, uint64_t index, std::u16string_view text) {
  return doc.transact([&](crdt::Transaction& tr) { doc.insert_text(tr, "content", index, text); });
}

BlameSource source_of(const crdt::Doc& doc) {
  BlameSource s;
  for (const crdt::TextRun& r : doc.text_runs("content")) {
    s.runs.push_back({r.id.client, r.id.clock, std::u16string(r.text)});
  }
  return s;
}

store::VersionPoint point(int64_t id, const std::string& at, const crdt::Doc& doc) {
  return {.id = id, .created_at = at, .state_vector = doc.encode_state_vector()};
}

TEST(Blame, AuthorsTimesAndLines) {
  crdt::Doc alice(1), bob(2);
  insert(alice, 0, u"int main() {\n");
  bob.apply_update(alice.encode_state_as_update());
  const store::VersionPoint v1 = point(10, "2026-01-01T10:00:00.000Z", bob);
  insert(bob, 13, u"  return 0;\n}\n");
  alice.apply_update(bob.encode_state_as_update());
  insert(alice, 3, u"32_t");  // "int32_t main() {": alice's again, in a later version
  const store::VersionPoint v2 = point(11, "2026-01-01T11:00:00.000Z", alice);

  BlameSource s = source_of(alice);
  s.authors = {{1, 100}, {2, 200}};
  s.points = {v1, v2};
  const auto lines = blame(s);
  ASSERT_EQ(lines.size(), 4u);  // three line breaks: the last line is empty
  EXPECT_EQ(lines[0].user_id, 100);
  ASSERT_EQ(lines[0].spans.size(), 3u);  // "int" v1, "32_t" v2, " main() {" v1
  EXPECT_EQ(lines[0].spans[0].end, 3u);
  EXPECT_EQ(lines[0].spans[0].version, 10);
  EXPECT_EQ(lines[0].spans[1].start, 3u);
  EXPECT_EQ(lines[0].spans[1].end, 7u);
  EXPECT_EQ(lines[0].spans[1].version, 11);
  EXPECT_EQ(lines[0].spans[2].end, 16u);
  EXPECT_EQ(lines[0].at, "2026-01-01T11:00:00.000Z");  // the latest of its spans
  EXPECT_EQ(lines[1].user_id, 200);
  EXPECT_EQ(lines[1].spans.size(), 1u);
  EXPECT_EQ(lines[1].spans[0].end, 11u);
  EXPECT_EQ(lines[1].at, "2026-01-01T11:00:00.000Z");
  EXPECT_EQ(lines[2].user_id, 200);
  EXPECT_EQ(lines[3].user_id, 0);
  EXPECT_TRUE(lines[3].spans.empty());
}

// Typing merges into one item; versions taken in the middle of it cut it, and what no version
// holds yet has its client's last edit as its time.
TEST(Blame, OneItemAcrossVersionsAndNewerThanAll) {
  crdt::Doc doc(7);
  insert(doc, 0, u"ab");
  const store::VersionPoint v1 = point(1, "2026-01-01T00:00:01.000Z", doc);
  insert(doc, 2, u"cd");
  const store::VersionPoint v2 = point(2, "2026-01-01T00:00:02.000Z", doc);
  insert(doc, 4, u"ef");
  ASSERT_EQ(doc.text_runs("content").size(), 1u);
  BlameSource s = source_of(doc);
  s.authors = {{7, 5}};
  s.points = {v1, v2};
  s.recent = {{7, "2026-01-01T00:00:03.500Z"}};
  const auto lines = blame(s);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0].spans.size(), 3u);
  EXPECT_EQ(lines[0].spans[0].version, 1);
  EXPECT_EQ(lines[0].spans[1].version, 2);
  EXPECT_EQ(lines[0].spans[2].version, std::nullopt);
  EXPECT_EQ(lines[0].spans[2].at, "2026-01-01T00:00:03.500Z");
  EXPECT_EQ(lines[0].spans[2].start, 4u);
  EXPECT_EQ(lines[0].at, "2026-01-01T00:00:03.500Z");
}

// A line is whoever wrote most of it; unknown clients are user 0; an empty text is one line.
TEST(Blame, MajorityUnknownAndEmpty) {
  crdt::Doc a(1), b(2);
  insert(a, 0, u"xy");
  b.apply_update(a.encode_state_as_update());
  insert(b, 1, u"LONGER");
  BlameSource s = source_of(b);
  s.authors = {{1, 9}};  // client 2 unknown
  const auto lines = blame(s);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].user_id, 0);
  EXPECT_EQ(lines[0].spans.size(), 3u);
  EXPECT_EQ(lines[0].at, std::nullopt);
  const auto empty = blame(BlameSource{});
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_TRUE(empty[0].spans.empty());
}

// A restore re-inserts a version's text as new characters of the restorer; its aliases lead back
// to the originals, with their versions and times.
TEST(Blame, RestoredCharactersKeepTheirAuthors) {
  crdt::Doc alice(1), bob(2);
  insert(alice, 0, u"one\n");
  bob.apply_update(alice.encode_state_as_update());
  insert(bob, 4, u"two\n");
  const store::VersionPoint v1 = point(1, "2026-01-01T00:00:01.000Z", bob);
  BlameSource version = source_of(bob);
  // Bob replaces everything, then restores v1 as client 3 (his REST client): "one\ntwo\n" again.
  bob.transact([&](crdt::Transaction& tr) { bob.delete_text(tr, "content", 0, 8); });
  crdt::Doc restorer(3);
  restorer.apply_update(bob.encode_state_as_update());
  insert(restorer, 0, u"one\ntwo\n");
  BlameSource s = source_of(restorer);
  s.authors = {{1, 10}, {2, 20}, {3, 20}};
  s.points = {v1};
  s.aliases = aliases_for(version.runs, 0, 8, 3, 0);
  ASSERT_EQ(s.aliases.size(), 2u);  // "one\n" from client 1, "two\n" from client 2
  EXPECT_EQ(s.aliases[1], (store::Alias{3, 4, 4, 2, 0}));
  auto lines = blame(s);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].user_id, 10);
  EXPECT_EQ(lines[0].spans[0].version, 1);
  EXPECT_EQ(lines[1].user_id, 20);
  EXPECT_EQ(lines[1].at, "2026-01-01T00:00:01.000Z");
  // Without the aliases the restorer wrote it all, in no version.
  s.aliases.clear();
  lines = blame(s);
  EXPECT_EQ(lines[0].user_id, 20);
  EXPECT_EQ(lines[0].spans[0].version, std::nullopt);
  // A partial restore (offset 2, "e\ntw") maps into the middle of both originals.
  const auto partial = aliases_for(version.runs, 2, 4, 3, 100);
  ASSERT_EQ(partial.size(), 2u);
  EXPECT_EQ(partial[0], (store::Alias{3, 100, 2, 1, 2}));
  EXPECT_EQ(partial[1], (store::Alias{3, 102, 2, 2, 0}));
}

TEST(Blame, IsoMillis) {
  const auto t =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'767'225'600'123));
  EXPECT_EQ(iso_millis(t), "2026-01-01T00:00:00.123Z");
}

}  // namespace
}  // namespace weft::history
