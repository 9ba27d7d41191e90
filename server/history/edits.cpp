// edits.cpp — see edits.hpp.
#include "server/history/edits.hpp"

#include <algorithm>

#include "crdt/update.hpp"

namespace weft::history {

namespace {

bool is_high_surrogate(char16_t c) { return c >= 0xD800 && c <= 0xDBFF; }
bool is_low_surrogate(char16_t c) { return c >= 0xDC00 && c <= 0xDFFF; }

}  // namespace

Splice minimal_splice(std::u16string_view before, std::u16string_view after) {
  const size_t shorter = std::min(before.size(), after.size());
  size_t prefix = 0;
  while (prefix < shorter && before[prefix] == after[prefix]) ++prefix;
  if (prefix > 0 && is_high_surrogate(before[prefix - 1])) --prefix;
  size_t suffix = 0;
  while (suffix < shorter - prefix &&
         before[before.size() - 1 - suffix] == after[after.size() - 1 - suffix]) {
    ++suffix;
  }
  if (suffix > 0 && is_low_surrogate(before[before.size() - suffix])) --suffix;
  return {.prefix = prefix,
          .removed = before.size() - prefix - suffix,
          .inserted = after.substr(prefix, after.size() - prefix - suffix)};
}

bool removes_most(const crdt::Doc& doc, crdt::ByteView update) {
  const uint64_t length = doc.text_length("content");
  if (length < kOopsMinLength) return false;
  // An update ends with its delete set, whose last varUint is a range length (never 0) or, for an
  // empty set, the client count 0 (or a client with no ranges).
  if (update.empty() || update.back() == 0) return false;
  uint64_t deleted = 0;
  try {
    for (const auto& [client, ranges] : crdt::decode_update(update).ds.clients) {
      for (const auto& r : ranges) deleted += r.len;
    }
  } catch (const crdt::DecodeError&) {
    return false;
  }
  return deleted * 2 > length;
}

}  // namespace weft::history
