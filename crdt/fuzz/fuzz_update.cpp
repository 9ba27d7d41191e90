// fuzz_update.cpp — libFuzzer target: arbitrary bytes as Yjs updates.
//
// The input is applied as one update to a doc that already has content, and split in two updates
// applied in reverse order to another doc (exercising pending structs and deletes); it also goes
// through merge_updates, diff_update and encode_state_vector_from_update. Malformed input must be
// rejected with DecodeError only. Invariant checked: whatever a doc accepted, its encoded state
// loads into a fresh doc. Built with ASan + UBSan, which catch memory errors and UB.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "crdt/doc.hpp"
#include "crdt/update.hpp"

namespace {

// What a doc encodes must always load again. (The text need not survive the round trip for
// arbitrary input: yjs itself reorders items whose origins contradict each other.)
void check_roundtrip(const crdt::Doc& doc) {
  crdt::Doc copy(77);
  try {
    copy.apply_update(doc.encode_state_as_update());
  } catch (const crdt::DecodeError&) {
    std::abort();
  }
  (void)copy.text("content");
  (void)doc.map_json("content");
  (void)doc.array_json("content");
}

void fill_base(crdt::Doc& doc) {
  doc.transact([&](crdt::Transaction& tr) { doc.insert_text(tr, "content", 0, u"base text"); });
  doc.transact([&](crdt::Transaction& tr) { doc.delete_text(tr, "content", 2, 3); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const crdt::ByteView input(data, size);
  {
    crdt::Doc doc(5);
    fill_base(doc);
    try {
      doc.apply_update(input);
    } catch (const crdt::DecodeError&) {
    }
    check_roundtrip(doc);
  }
  if (size >= 2) {
    const size_t cut = 1 + data[0] % (size - 1);
    const crdt::ByteView first = input.subspan(0, cut), second = input.subspan(cut);
    crdt::Doc doc(5);
    fill_base(doc);
    for (const crdt::ByteView part : {second, first}) {
      try {
        doc.apply_update(part);
      } catch (const crdt::DecodeError&) {
      }
    }
    check_roundtrip(doc);
    try {
      crdt::merge_updates({first, second});
    } catch (const crdt::DecodeError&) {
    }
  }
  try {
    crdt::diff_update(input, input);
  } catch (const crdt::DecodeError&) {
  }
  try {
    crdt::encode_state_vector_from_update(input);
  } catch (const crdt::DecodeError&) {
  }
  return 0;
}
