// line_diff.cpp — Myers' greedy shortest edit script over lines, with the common prefix and suffix
// cut first; the trace of furthest-reaching paths is kept per step to walk the script back.
#include "server/history/line_diff.hpp"

#include <algorithm>
#include <cstdint>

namespace weft::history {

namespace {

// Beyond this many changed lines the trace (O(D²) memory) is not worth it: the changed middle is
// shown as removed and added whole (32 MB of trace at most).
constexpr int64_t kMaxEdits = 2000;

std::vector<std::string_view> split(std::string_view text) {
  std::vector<std::string_view> lines;
  if (text.empty()) return lines;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      if (start < text.size()) lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

void append(std::vector<DiffRun>& runs, DiffRun::Op op, std::string_view line) {
  if (runs.empty() || runs.back().op != op) runs.push_back({op, {}});
  runs.back().lines.emplace_back(line);
}

}  // namespace

const char* op_name(DiffRun::Op op) {
  switch (op) {
    case DiffRun::Op::kEqual:
      return "equal";
    case DiffRun::Op::kInsert:
      return "insert";
    case DiffRun::Op::kDelete:
      return "delete";
  }
  return "equal";
}

std::vector<DiffRun> diff_lines(std::string_view before, std::string_view after) {
  const auto a = split(before);
  const auto b = split(after);
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
    ++suffix;
  const int64_t n = static_cast<int64_t>(a.size() - prefix - suffix);
  const int64_t m = static_cast<int64_t>(b.size() - prefix - suffix);
  const auto A = [&](int64_t i) { return a[prefix + static_cast<size_t>(i)]; };
  const auto B = [&](int64_t j) { return b[prefix + static_cast<size_t>(j)]; };

  // v[k + offset]: the furthest x on diagonal k (= x − y) after d steps; trace[d] holds v[-d..d]
  // as it was before step d (all that the walk back reads).
  const int64_t max = std::min<int64_t>(n + m, kMaxEdits);
  const int64_t offset = max + 1;
  std::vector<int64_t> v(static_cast<size_t>(2 * max + 3), 0);
  std::vector<std::vector<int64_t>> trace;
  int64_t found = -1;
  for (int64_t d = 0; d <= max && found < 0; ++d) {
    trace.emplace_back(v.begin() + (offset - d), v.begin() + (offset + d + 1));
    for (int64_t k = -d; k <= d; k += 2) {
      int64_t x = (k == -d || (k != d && v[k - 1 + offset] < v[k + 1 + offset]))
                      ? v[k + 1 + offset]       // down: an insertion
                      : v[k - 1 + offset] + 1;  // right: a deletion
      int64_t y = x - k;
      while (x < n && y < m && A(x) == B(y)) ++x, ++y;
      v[k + offset] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }

  // Walk back from (n, m), collecting the script in reverse.
  struct Step {
    DiffRun::Op op;
    int64_t index;  // into a (equal, delete) or b (insert)
  };
  std::vector<Step> steps;
  if (found < 0) {  // more than kMaxEdits lines changed: the whole middle is replaced
    for (int64_t i = 0; i < n; ++i) steps.push_back({DiffRun::Op::kDelete, i});
    for (int64_t j = 0; j < m; ++j) steps.push_back({DiffRun::Op::kInsert, j});
    std::reverse(steps.begin(), steps.end());
    found = 0;
  }
  int64_t x = steps.empty() ? n : 0;
  int64_t y = steps.empty() ? m : 0;
  for (int64_t d = found; d > 0; --d) {
    const auto& row = trace[static_cast<size_t>(d)];
    const auto pv = [&](int64_t k) { return row[static_cast<size_t>(k + d)]; };
    const int64_t k = x - y;
    const bool down = k == -d || (k != d && pv(k - 1) < pv(k + 1));
    const int64_t prev_k = down ? k + 1 : k - 1;
    const int64_t prev_x = pv(prev_k);
    const int64_t prev_y = prev_x - prev_k;
    while (x > prev_x + (down ? 0 : 1) && y > prev_y + (down ? 1 : 0)) {
      --x, --y;
      steps.push_back({DiffRun::Op::kEqual, x});
    }
    if (down) {
      --y;
      steps.push_back({DiffRun::Op::kInsert, y});
    } else {
      --x;
      steps.push_back({DiffRun::Op::kDelete, x});
    }
  }
  while (x > 0 && y > 0) {
    --x, --y;
    steps.push_back({DiffRun::Op::kEqual, x});
  }

  std::vector<DiffRun> runs;
  for (size_t i = 0; i < prefix; ++i) append(runs, DiffRun::Op::kEqual, a[i]);
  // Within a changed block, deletions first: collect each maximal non-equal stretch.
  std::vector<std::string_view> dels;
  std::vector<std::string_view> ins;
  const auto flush = [&] {
    for (const auto line : dels) append(runs, DiffRun::Op::kDelete, line);
    for (const auto line : ins) append(runs, DiffRun::Op::kInsert, line);
    dels.clear();
    ins.clear();
  };
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    if (it->op == DiffRun::Op::kEqual) {
      flush();
      append(runs, DiffRun::Op::kEqual, A(it->index));
    } else if (it->op == DiffRun::Op::kDelete) {
      dels.push_back(A(it->index));
    } else {
      ins.push_back(B(it->index));
    }
  }
  flush();
  for (size_t i = a.size() - suffix; i < a.size(); ++i) append(runs, DiffRun::Op::kEqual, a[i]);
  return runs;
}

}  // namespace weft::history
