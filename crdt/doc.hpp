// doc.hpp — a Yjs document: the struct store, the shared types, and the operations on them.
//
// apply_update integrates a v1 update exactly as yjs's applyUpdate does (same conflict
// resolution, same splitting and merging of items, same pending structs and pending deletes for
// updates whose dependencies have not arrived), so that encode_state_as_update produces the bytes
// yjs would. The update is decoded and checked completely before the doc is touched: a malformed
// update throws DecodeError and leaves the doc unchanged.
//
// Local edits run inside transact(); the returned bytes are the update yjs would emit for the same
// transaction. Positions are Yjs positions: UTF-16 code units.
//
// Threading: a Doc is a plain value with no internal locking; one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "crdt/delete_set.hpp"
#include "crdt/id.hpp"
#include "crdt/item.hpp"
#include "crdt/lib0.hpp"
#include "crdt/type.hpp"
#include "crdt/update.hpp"

namespace crdt {

class Doc;

// What apply_update changed: the clocks each client of the update gained (its structs that were
// integrated, not those left pending), and how many clocks were newly deleted. The server
// attributes both to the connection that sent the update (history: authorship and activity).
//
// `known` counts the clocks of the update's structs the doc already had, and `before` is the
// doc's state vector before the update: an update that repeats what a peer already relayed (a
// sync answer that overlaps live updates) can be cut to what it added, diff_update(update,
// before), so nothing reaches the clients twice.
struct Applied {
  std::vector<std::pair<uint64_t, uint64_t>> added;  // (client, clocks), clients of the update
  uint64_t deleted = 0;
  uint64_t known = 0;
  StateVector before;
};

// A visible run of a Y.Text: the characters of one item, the first at clock id.clock, the next at
// id.clock + 1 (a string item has one clock per UTF-16 unit). The view points into the doc and is
// valid until it changes.
struct TextRun {
  ID id;
  std::u16string_view text;
};

// The changes of one transaction; cleanup merges and garbage-collects based on them.
struct Transaction {
  Doc& doc;
  bool local;
  StateVector before_state;
  DeleteSet ds;
  std::vector<ID> merge_structs;  // split points to try merging again at cleanup
};

class Doc {
 public:
  explicit Doc(uint64_t client_id);
  Doc();  // random client id, as new Y.Doc()
  ~Doc();
  Doc(const Doc&) = delete;
  Doc& operator=(const Doc&) = delete;

  uint64_t client_id() const { return client_id_; }
  // The client id local edits are made as (the server gives each REST editor one of its own, so
  // that history knows who wrote what). Never one that another writer has used.
  void set_client_id(uint64_t id) { client_id_ = id; }

  // ---- sync ----
  Applied apply_update(ByteView update);
  // All of the doc (and its pending updates) that `state_vector` lacks; empty view = everything.
  Bytes encode_state_as_update(ByteView state_vector = {}) const;
  Bytes encode_state_vector() const { return crdt::encode_state_vector(state_vector()); }
  StateVector state_vector() const;
  bool has_pending() const { return pending_structs_.has_value() || pending_ds_.has_value(); }

  // ---- local edits ----
  // Runs `fn` as one transaction; returns the v1 update it produced (empty when nothing changed
  // or when `want_update` is false).
  Bytes transact(const std::function<void(Transaction&)>& fn, bool want_update = true);
  // Y.Text insert/delete on the root type `name`. Throw std::out_of_range past the end.
  void insert_text(Transaction& tr, std::string_view name, uint64_t index,
                   std::u16string_view text);
  void delete_text(Transaction& tr, std::string_view name, uint64_t index, uint64_t length);

  // ---- reading ----
  std::u16string text16(std::string_view name) const;
  std::string text(std::string_view name) const;  // UTF-8
  // The visible characters of Y.Text `name`, item by item, in document order (blame).
  std::vector<TextRun> text_runs(std::string_view name) const;
  uint64_t text_length(std::string_view name) const;
  // The text's size in UTF-8 bytes (text(name).size()), without building it.
  uint64_t text_utf8_size(std::string_view name) const;
  std::string map_json(std::string_view name) const;
  std::string array_json(std::string_view name) const;

  // ---- introspection (weft doc dump, tests, benchmarks) ----
  size_t struct_count() const;

 private:
  // Owning: the Doc deletes these structs (raw pointers so that the splits and merges that shift
  // a client's vector are plain memmoves; see the struct store in docs/ARCHITECTURE.md).
  using Structs = std::vector<Struct*>;
  struct RefList;
  struct Pending {
    StateVector missing;
    Bytes update;
  };

  Type* root(std::string_view name);
  const Type* find_root(std::string_view name) const;
  uint64_t get_state(uint64_t client) const;
  Structs* structs_of(uint64_t client);
  static size_t find_index(const Structs& structs, uint64_t clock);
  Struct* get_struct(const ID& id);
  Item* split_item(Transaction& tr, Item* left, uint64_t diff);
  Struct* get_item_clean_start(Transaction& tr, const ID& id);
  Struct* get_item_clean_end(Transaction& tr, const ID& id);
  void add_struct(std::unique_ptr<Struct> s);
  void replace_with_gc(Struct* s);

  void read_update(Transaction& tr, DecodedUpdate&& update);
  std::optional<Pending> integrate_structs(Transaction& tr, std::vector<UpdateStruct>& structs);
  std::optional<uint64_t> get_missing(const UpdateStruct& s) const;
  void integrate_struct(Transaction& tr, UpdateStruct& s, uint64_t offset);
  void integrate_item(Transaction& tr, Item* item);
  std::optional<Bytes> apply_delete_set(Transaction& tr, const DeleteSet& ds);
  void delete_item(Transaction& tr, Item* item);
  void gc_item(Item* item, bool parent_gcd);
  void cleanup(Transaction& tr);
  bool merge_items(Item* left, Item* right);
  size_t try_merge_with_lefts(Structs& structs, size_t pos);
  void write_clients_structs(Encoder& enc, const StateVector& sv) const;
  void write_item(Encoder& enc, const Item& item, uint64_t offset) const;
  DeleteSet delete_set_from_store() const;

  struct ListPos {
    Item* left;
    Item* right;
    uint64_t index;
  };
  ListPos find_position(Transaction& tr, Type* type, uint64_t index);

  void append_type_json(std::string& out, const Type& type, TypeRef as) const;
  void append_value_json(std::string& out, const Item& item, uint64_t element) const;

  uint64_t client_id_;
  std::unordered_map<uint64_t, Structs> clients_;
  std::map<std::string, std::unique_ptr<Type>, std::less<>> roots_;
  std::optional<Pending> pending_structs_;
  std::optional<Bytes> pending_ds_;  // an update with no structs and the undeliverable deletes
  // Scratch sets of the conflict resolution loop, kept to avoid reallocating per integration.
  std::unordered_set<const Struct*> conflicting_;
  std::unordered_set<const Struct*> before_origin_;
};

}  // namespace crdt
