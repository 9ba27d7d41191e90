// line_diff.hpp — the line diff of two texts that `GET …/versions/{vid}/diff` returns: Myers'
// O(ND) algorithm over lines (E. Myers, "An O(ND) Difference Algorithm and Its Variations", 1986),
// the same shortest edit script `diff` gives. A pure function: no store, no threads.
//
// Cost: O((N + M) · D) time and O(D²) memory for the trace, where D is the number of lines added
// plus removed; identical prefixes and suffixes are cut first, so an edit in the middle of a long
// file costs about its own size. Past 2,000 changed lines the changed middle is reported as
// deleted and inserted whole.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace weft::history {

struct DiffRun {
  enum class Op { kEqual, kInsert, kDelete };
  Op op;
  std::vector<std::string> lines;  // without their line ends
};

// Lines are split on '\n'; a final line without one is a line too. Runs alternate: no two
// neighbours have the same op, and deletions come before insertions where both replace a block.
std::vector<DiffRun> diff_lines(std::string_view before, std::string_view after);

const char* op_name(DiffRun::Op op);  // "equal", "insert", "delete"

}  // namespace weft::history
