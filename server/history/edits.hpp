// edits.hpp — the edits history makes and watches for, as pure functions of a doc or a text, so
// that the room and weft-history-bench run the same code: the one splice that turns a text into
// another (PUT …/content and restore), and the "oops" check (an update deleting most of a text).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crdt/doc.hpp"

namespace weft::history {

// Below this many characters a large deletion is not worth an extra ("oops") version.
inline constexpr uint64_t kOopsMinLength = 200;

// The one edit that turns `before` into `after`: the common prefix and suffix stay (never ending
// between the two halves of a surrogate pair: Yjs positions count UTF-16 units, and a split pair
// would store half a character); `removed` units at `prefix` go and `inserted` comes in their
// place. `inserted` points into `after`.
struct Splice {
  size_t prefix = 0;
  size_t removed = 0;
  std::u16string_view inserted{};
};
Splice minimal_splice(std::u16string_view before, std::u16string_view after);

// True when `update` would delete more than half of `doc`'s text "content", of at least
// kOopsMinLength characters (counted by its delete set, which a sync step 2 fills with everything
// its sender ever deleted: the caller checks that the text really shrank). Typing, whose delete
// set is empty, is told apart without decoding the update; an update that does not decode is
// false (apply_update refuses it).
bool removes_most(const crdt::Doc& doc, crdt::ByteView update);

}  // namespace weft::history
