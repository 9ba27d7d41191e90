// update.hpp — the Yjs update format v1 as data, and the functions that work on updates without
// a document (yjs utils/updates.js): merge_updates, diff_update, encode_state_vector_from_update.
//
// An update is: the number of clients; per client (highest first when yjs writes it) the number of
// structs, the client id, the first clock, then the structs back to back (each continues the clock
// of the previous one); then a delete set. A struct is a GC (deleted range, content gone), a Skip
// (a gap, only in merged updates) or an Item with its origins, parent and content.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "crdt/content.hpp"
#include "crdt/delete_set.hpp"
#include "crdt/id.hpp"
#include "crdt/lib0.hpp"

namespace crdt {

enum class StructKind : uint8_t { kGC, kSkip, kItem };

// Where an item without origins lives: a root type by name, or a nested type by its item's id.
using ParentRef = std::variant<std::monostate, std::string, ID>;

// A struct as it appears in an update, self-contained (no pointers into a doc).
struct UpdateStruct {
  StructKind kind = StructKind::kItem;
  ID id;
  uint64_t length = 0;
  std::optional<ID> origin;
  std::optional<ID> right_origin;
  ParentRef parent;
  std::optional<std::string> parent_sub;
  Content content;
  bool block_start = false;  // first struct of a client block in the update

  uint64_t end() const { return id.clock + length; }
};

struct DecodedUpdate {
  std::vector<UpdateStruct> structs;  // in wire order: client blocks, clocks ascending within one
  DeleteSet ds;
};

// Decodes a whole v1 update; throws DecodeError on malformed input (including trailing garbage
// inside a struct, zero-length structs and clocks beyond 2^53).
DecodedUpdate decode_update(ByteView update);

// The wire form of one item from `offset` on (yjs Item.write). Shared by the doc's Items and
// UpdateStructs so that there is exactly one writer of the item format.
void write_item(Encoder& enc, const ID& id, const std::optional<ID>& origin,
                const std::optional<ID>& right_origin, const std::string* root_parent,
                const ID* parent_id, const std::string* parent_sub, const Content& content,
                uint64_t offset);
void write_struct(Encoder& enc, const UpdateStruct& s, uint64_t offset);

// Splits an update struct at `diff` (yjs sliceStruct): returns the right part; `s` keeps the left.
UpdateStruct slice_struct(UpdateStruct& s, uint64_t diff);

// Writes client blocks lazily, starting a new block whenever the client changes
// (yjs LazyStructWriter); finish() prepends the block count.
class LazyStructWriter {
 public:
  void write(const UpdateStruct& s, uint64_t offset);
  // Writes the struct section into `enc` (which must be empty).
  void finish(Encoder& enc);

 private:
  struct Block {
    uint64_t written;
    Bytes bytes;
  };
  void flush();

  uint64_t curr_client_ = 0;
  uint64_t written_ = 0;
  Encoder rest_;
  std::vector<Block> blocks_;
};

// = Y.mergeUpdates (byte for byte).
Bytes merge_updates(const std::vector<ByteView>& updates);
// = Y.diffUpdate(update, stateVector).
Bytes diff_update(ByteView update, ByteView state_vector);
// The same without the deletions `known` already records (sorted and merged): what a state adds
// to an older one whose delete set is `known`. Applied after the older state, it gives the same
// doc as diff_update's result does (deletions only accumulate).
Bytes diff_update(ByteView update, ByteView state_vector, const DeleteSet& known);
// = Y.encodeStateVectorFromUpdate.
Bytes encode_state_vector_from_update(ByteView update);

}  // namespace crdt
