// search.hpp — text search over a project's files, as a pure function of the texts (the API
// gathers them: live from loaded rooms, stored otherwise; projects_api.cpp).
//
// One engine for both kinds of query: RE2 (Debian's libre2), a literal query being an RE2 in
// literal mode. RE2 runs in time linear in the text and without recursion, so no query — however
// it is written — can hang a thread or overflow its stack, and its memory is bounded
// (kMaxRegexMemory); a pattern RE2 cannot compile is an error for the caller to report. Lines are
// searched one at a time (a match never spans a newline), empty matches are not reported, and
// positions are as Monaco counts them: lines and columns from 1, columns and lengths in UTF-16
// units.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace weft::search {

inline constexpr size_t kMaxQueryBytes = 1000;
inline constexpr int64_t kMaxRegexMemory = 8 << 20;
// A snippet is the matching line, cut to about this many bytes around the match.
inline constexpr size_t kSnippetBytes = 200;

struct Match {
  int64_t line = 0;    // from 1
  int64_t column = 0;  // from 1, UTF-16 units
  int64_t length = 0;  // UTF-16 units
  std::string snippet{};
  int64_t snippet_column = 0;  // where the match starts in the snippet, from 1, UTF-16 units
};

class Query {
 public:
  // nullopt and `error` set when the pattern does not compile (RE2's message).
  static std::optional<Query> compile(std::string_view pattern, bool regex, bool case_sensitive,
                                      std::string& error);
  Query(Query&&) noexcept;
  Query& operator=(Query&&) noexcept;
  ~Query();

  // Appends the matches of `text` to `out`, stopping once `out` holds `max` matches.
  void find(std::string_view text, std::vector<Match>& out, size_t max) const;

 private:
  explicit Query(std::unique_ptr<re2::RE2> re);
  std::unique_ptr<re2::RE2> re_;
};

}  // namespace weft::search
