// search_test.cpp — project search (search.hpp): literal and regex queries, case, positions in
// UTF-16 units as Monaco counts them, snippets of long lines, empty matches, and queries that
// would hang or overflow a backtracking engine.
#include "server/projects/search.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace weft::search {
namespace {

std::vector<Match> run(const std::string& text, const std::string& q, bool regex = false,
                       bool case_sensitive = false, size_t max = 1000) {
  std::string error;
  auto query = Query::compile(q, regex, case_sensitive, error);
  EXPECT_TRUE(query.has_value()) << error;
  std::vector<Match> out;
  if (query) query->find(text, out, max);
  return out;
}

TEST(ProjectSearch, LiteralQueriesFindEveryOccurrenceWithLineAndColumn) {
  const auto m = run("foo bar\nbar foo foo\r\nnone\nfoo", "foo");
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].line, 1);
  EXPECT_EQ(m[0].column, 1);
  EXPECT_EQ(m[0].length, 3);
  EXPECT_EQ(m[0].snippet, "foo bar");
  EXPECT_EQ(m[1].line, 2);
  EXPECT_EQ(m[1].column, 5);
  EXPECT_EQ(m[2].column, 9);
  EXPECT_EQ(m[2].snippet, "bar foo foo");  // no \r
  EXPECT_EQ(m[3].line, 4);
  // Regex characters are literal; case folds unless asked.
  EXPECT_EQ(run("a.b axb A.B", "a.b").size(), 2u);
  EXPECT_EQ(run("a.b axb A.B", "a.b", false, true).size(), 1u);
  EXPECT_EQ(run("(x)", "(").size(), 1u);
}

TEST(ProjectSearch, RegexQueries) {
  const auto m = run("int x = 42;\nint yy = 7;", "[a-z]+ = \\d+", true);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].column, 5);
  EXPECT_EQ(m[0].length, 6);
  EXPECT_EQ(m[1].line, 2);
  EXPECT_EQ(run("Foo foo", "^foo", true).size(), 1u);  // ^ is the line's start only
  EXPECT_EQ(run("Foo foo", "^foo", true, true).size(), 0u);
  std::string error;
  EXPECT_FALSE(Query::compile("(unclosed", true, false, error).has_value());
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(Query::compile("a{100000}", true, false, error).has_value());
}

TEST(ProjectSearch, ColumnsAreUtf16Units) {
  const auto m = run("é字😀 target", "target");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].column, 6);  // é 1, 字 1, 😀 2, space 1
  const auto e = run("a😀b😀", "😀");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].column, 2);
  EXPECT_EQ(e[0].length, 2);
  EXPECT_EQ(e[1].column, 5);
}

TEST(ProjectSearch, EmptyMatchesAreSkippedAndTheCapHolds) {
  EXPECT_TRUE(run("abc\n\n", "x*", true).empty());
  EXPECT_EQ(run("aaa", "a*", true).size(), 1u);
  EXPECT_EQ(run(std::string(100, 'a'), "a", false, false, 7).size(), 7u);
}

TEST(ProjectSearch, LongLinesGiveAWindowAndHostilePatternsFinish) {
  const std::string line = std::string(5000, 'x') + "needle" + std::string(5000, 'y');
  const auto m = run(line, "needle");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_LE(m[0].snippet.size(), kSnippetBytes + 8);
  EXPECT_EQ(m[0].snippet.substr(m[0].snippet_column - 1, 6), "needle");
  // Catastrophic for backtracking engines; linear for RE2. Also a 1 MB line with nested groups.
  EXPECT_TRUE(run(std::string(30000, 'a'), "(a+)+b", true).empty());
  EXPECT_EQ(run(std::string(1 << 20, 'a'), "((a|b)*)*c|a$", true).size(), 1u);
}

}  // namespace
}  // namespace weft::search
