// type.hpp — a shared type (Y.Text, Y.Array, Y.Map, Y.Xml*): the list and map its items form.
//
// A type does not own its items (the StructStore does); it holds the entry points: `start`, the
// leftmost item of the list part, and `map`, which for each key points at the rightmost item
// with that parentSub (the current value when it is not deleted). Root types are owned by the
// Doc; nested types by the ContentType of the item that holds them (`item`).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace crdt {

struct Item;

// Type refs as written in ContentType (yjs's YArrayRefID ... YXmlTextRefID).
enum class TypeRef : uint8_t {
  kArray = 0,
  kMap = 1,
  kText = 2,
  kXmlElement = 3,
  kXmlFragment = 4,
  kXmlHook = 5,
  kXmlText = 6,
  kUnknown = 255,  // a root type nobody has asked for as a specific kind yet
};

struct Type {
  TypeRef ref = TypeRef::kUnknown;
  std::string name;      // node name of a YXmlElement, hook name of a YXmlHook
  Item* item = nullptr;  // the item whose content this type is; nullptr for a root type
  const std::string* root_key = nullptr;  // the name of a root type (the Doc owns the string)
  Item* start = nullptr;                  // leftmost item of the list part
  std::unordered_map<std::string, Item*> map;
  uint64_t length = 0;     // visible countable length of the list part
  uint64_t utf8_size = 0;  // UTF-8 bytes of the visible strings of the list part

  // Search marker for position lookups: `marker_item` starts at visible index `marker_index`.
  // It is only set by local list edits and cleared by anything else that changes this type, so
  // it never needs repair beyond the merges of transaction cleanup (see Doc).
  Item* marker_item = nullptr;
  uint64_t marker_index = 0;
};

}  // namespace crdt
