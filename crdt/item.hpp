// item.hpp — the structs a document stores: Item (content in a list or map) and GC (a deleted
// range whose content and position are gone).
//
// Memory layout: a doc keeps, per client, a vector of owning pointers sorted by clock (the
// StructStore), and the Items of a type form a doubly linked list through left/right. An Item is
// split when something is inserted inside it or part of it is deleted, and neighbours are merged
// again at the end of each transaction (Doc::cleanup), so typing a word yields one Item, not one
// per character. origin/right_origin are the ids the item was inserted between; they never change
// and drive the conflict resolution (YATA) in Doc::integrate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crdt/content.hpp"
#include "crdt/id.hpp"
#include "crdt/type.hpp"

namespace crdt {

struct Struct {
  ID id;
  uint64_t length = 0;
  bool is_gc = false;

  Struct(ID i, uint64_t len, bool gc) : id(i), length(len), is_gc(gc) {}
  virtual ~Struct() = default;
  Struct(const Struct&) = delete;
  Struct& operator=(const Struct&) = delete;

  uint64_t end() const { return id.clock + length; }
  bool deleted() const;
};

struct GC final : Struct {
  GC(ID i, uint64_t len) : Struct(i, len, true) {}
};

struct Item final : Struct {
  Item* left = nullptr;
  Item* right = nullptr;
  std::optional<ID> origin;
  std::optional<ID> right_origin;
  Type* parent = nullptr;
  const std::string* parent_sub = nullptr;  // points at the key stored in parent->map
  Content content;
  bool is_deleted = false;
  bool keep = false;
  bool countable = false;  // fixed at creation, as yjs's info bit (survives gc of the content)

  Item(ID i, Content c) : Struct(i, c.length(), false), content(std::move(c)) {
    countable = content.countable();
  }

  ID last_id() const { return ID{id.client, id.clock + length - 1}; }
  bool visible() const { return !is_deleted && countable; }
};

inline bool Struct::deleted() const { return is_gc || static_cast<const Item*>(this)->is_deleted; }

}  // namespace crdt
