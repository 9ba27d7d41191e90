// search.cpp — the matching of search.hpp: per line, RE2's unanchored search from the end of the
// previous match; positions converted from UTF-8 bytes to UTF-16 units by one pass over the line.
#include "server/projects/search.hpp"

#include <re2/re2.h>

#include <algorithm>

namespace weft::search {

namespace {

// UTF-16 units of valid UTF-8 `s` (a 4-byte sequence is a surrogate pair).
int64_t utf16_units(std::string_view s) {
  int64_t n = 0;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u & 0xC0) != 0x80) ++n;  // a lead byte or ASCII
    if ((u & 0xF8) == 0xF0) ++n;  // four bytes: two units
  }
  return n;
}

// `pos` moved back (or, with `forward`, on) to the start of a UTF-8 character.
size_t char_boundary(std::string_view s, size_t pos, bool forward) {
  while (pos > 0 && pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80)
    forward ? ++pos : --pos;
  return std::min(pos, s.size());
}

Match match_at(std::string_view line, int64_t line_number, size_t start, size_t end) {
  Match m;
  m.line = line_number;
  m.column = utf16_units(line.substr(0, start)) + 1;
  m.length = utf16_units(line.substr(start, end - start));
  // The snippet: the line, or a window around the match when the line is long.
  size_t from = 0;
  size_t to = line.size();
  if (line.size() > kSnippetBytes) {
    const size_t context = kSnippetBytes / 4;
    from = char_boundary(line, start > context ? start - context : 0, false);
    to = char_boundary(line, std::max(end, std::min(line.size(), from + kSnippetBytes)), true);
  }
  m.snippet = std::string(line.substr(from, to - from));
  m.snippet_column = utf16_units(line.substr(from, start - from)) + 1;
  return m;
}

}  // namespace

Query::Query(std::unique_ptr<re2::RE2> re) : re_(std::move(re)) {}
Query::Query(Query&&) noexcept = default;
Query& Query::operator=(Query&&) noexcept = default;
Query::~Query() = default;

std::optional<Query> Query::compile(std::string_view pattern, bool regex, bool case_sensitive,
                                    std::string& error) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_literal(!regex);
  options.set_case_sensitive(case_sensitive);
  options.set_max_mem(kMaxRegexMemory);
  auto re = std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    error = re->error();
    return std::nullopt;
  }
  return Query(std::move(re));
}

void Query::find(std::string_view text, std::vector<Match>& out, size_t max) const {
  int64_t line_number = 0;
  size_t line_start = 0;
  while (line_start <= text.size() && out.size() < max) {
    ++line_number;
    const size_t newline = std::min(text.find('\n', line_start), text.size());
    std::string_view line = text.substr(line_start, newline - line_start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const re2::StringPiece piece(line.data(), line.size());
    size_t pos = 0;
    re2::StringPiece found;
    while (pos <= line.size() && out.size() < max &&
           re_->Match(piece, pos, line.size(), re2::RE2::UNANCHORED, &found, 1)) {
      const size_t start = static_cast<size_t>(found.data() - line.data());
      const size_t end = start + found.size();
      if (found.empty()) {  // not reported; go on one character later
        pos = char_boundary(line, start + 1, true);
        if (start >= line.size()) break;
        continue;
      }
      out.push_back(match_at(line, line_number, start, end));
      pos = end;
    }
    line_start = newline + 1;
  }
}

}  // namespace weft::search
