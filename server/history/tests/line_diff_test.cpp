// line_diff_test.cpp — the line diff against its definition: the runs rebuild both texts, and the
// number of changed lines is the minimum (checked against an LCS table on random small inputs).
#include "server/history/line_diff.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace weft::history {
namespace {

using Op = DiffRun::Op;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    out.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

// The sides the runs describe, and how many lines changed.
struct Sides {
  std::vector<std::string> before, after;
  size_t changed = 0;
};
Sides sides(const std::vector<DiffRun>& runs) {
  Sides s;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (i > 0) {
      EXPECT_NE(runs[i].op, runs[i - 1].op) << "neighbouring runs of one op";
    }
    for (const auto& line : runs[i].lines) {
      if (runs[i].op != Op::kInsert) s.before.push_back(line);
      if (runs[i].op != Op::kDelete) s.after.push_back(line);
      if (runs[i].op != Op::kEqual) ++s.changed;
    }
  }
  return s;
}

size_t lcs(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::vector<size_t>> t(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j)
      t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1 : std::max(t[i - 1][j], t[i][j - 1]);
  return t[a.size()][b.size()];
}

TEST(LineDiff, SmallCases) {
  EXPECT_TRUE(diff_lines("", "").empty());
  auto r = diff_lines("a\nb\n", "a\nb\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].op, Op::kEqual);
  EXPECT_EQ(r[0].lines, (std::vector<std::string>{"a", "b"}));
  r = diff_lines("", "x\ny");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].op, Op::kInsert);
  r = diff_lines("a\nb\nc\n", "a\nB\nc\n");
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[1].op, Op::kDelete);  // deletions before insertions in a replaced block
  EXPECT_EQ(r[1].lines, std::vector<std::string>{"b"});
  EXPECT_EQ(r[2].op, Op::kInsert);
  EXPECT_EQ(r[2].lines, std::vector<std::string>{"B"});
  EXPECT_STREQ(op_name(Op::kDelete), "delete");
}

TEST(LineDiff, RandomInputsRebuildBothSidesWithTheFewestChanges) {
  std::mt19937 rng(7);
  for (int round = 0; round < 500; ++round) {
    const auto text = [&] {
      std::string t;
      const int n = static_cast<int>(rng() % 12);
      for (int i = 0; i < n; ++i) t += std::string(1, static_cast<char>('a' + rng() % 4)) + "\n";
      return t;
    };
    const std::string a = text();
    const std::string b = text();
    const Sides s = sides(diff_lines(a, b));
    const auto la = lines_of(a);
    const auto lb = lines_of(b);
    ASSERT_EQ(s.before, la) << a << " → " << b;
    ASSERT_EQ(s.after, lb) << a << " → " << b;
    EXPECT_EQ(s.changed, la.size() + lb.size() - 2 * lcs(la, lb)) << a << " → " << b;
  }
}

TEST(LineDiff, PastTheEditLimitTheMiddleIsReplacedWhole) {
  std::string a, b;
  for (int i = 0; i < 1500; ++i) {
    a += "a" + std::to_string(i) + "\n";
    b += "b" + std::to_string(i) + "\n";
  }
  const std::string head = "same\n";
  const Sides s = sides(diff_lines(head + a + head, head + b + head));
  EXPECT_EQ(s.before, lines_of(head + a + head));
  EXPECT_EQ(s.after, lines_of(head + b + head));
  EXPECT_EQ(s.changed, 3000u);
}

}  // namespace
}  // namespace weft::history
