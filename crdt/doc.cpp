// doc.cpp — integration, deletion, garbage collection and merging of structs, ported from yjs
// (structs/Item.js integrate/splitItem/mergeWith, utils/encoding.js integrateStructs and
// readUpdateV2, utils/Transaction.js cleanup, utils/DeleteSet.js) so that a Weft doc and a yjs doc
// fed the same updates hold the same structs and encode the same bytes.
#include "crdt/doc.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <unordered_map>

namespace crdt {

namespace {

uint64_t random_client_id() {
  std::random_device rd;
  return rd();  // uint32, as yjs's random client ids
}

bool same_id(const std::optional<ID>& a, const std::optional<ID>& b) {
  return a.has_value() == b.has_value() && (!a || *a == *b);
}

Item* as_item(Struct* s) { return s && !s->is_gc ? static_cast<Item*>(s) : nullptr; }

// What a visible item adds to its parent's UTF-8 size (Type::utf8_size): its string's bytes.
uint64_t visible_utf8(const Item& item) {
  return item.content.ref() == ContentRef::kString
             ? utf8_length(item.content.as<ContentString>().str)
             : 0;
}

// Items of the same client must refer only to earlier clocks of that client; anything else could
// not have been produced by yjs and would make integration read structs that do not exist.
void check_update(const DecodedUpdate& u) {
  for (const UpdateStruct& s : u.structs) {
    if (s.kind != StructKind::kItem) continue;
    const auto later = [&](const ID& id) {
      return id.client == s.id.client && id.clock >= s.id.clock;
    };
    if ((s.origin && later(*s.origin)) || (s.right_origin && later(*s.right_origin)) ||
        (std::holds_alternative<ID>(s.parent) && later(std::get<ID>(s.parent)))) {
      throw DecodeError("item refers to a later clock of its own client");
    }
  }
}

// yjs keeps a delete range it cannot apply yet as a pending update, and writing an empty range
// throws ("Unexpected case"), so yjs cannot apply an update with an empty range at or beyond the
// client's state: such an update is malformed. An empty range below the state deletes nothing (it
// may split an item, which cleanup merges again), in yjs as here. An empty range inside the
// update's own structs of that client is accepted and deletes nothing (yjs throws only when those
// structs stay pending for a missing dependency).
template <typename StateOf>
void check_empty_deletes(const DecodedUpdate& u, StateOf state_of) {
  std::optional<std::unordered_map<uint64_t, uint64_t>> carried;  // client → end of its structs
  for (const auto& [client, dels] : u.ds.clients) {
    for (const DeleteItem& d : dels) {
      if (d.len != 0 || d.clock < state_of(client)) continue;
      if (!carried) {
        carried.emplace();
        for (const UpdateStruct& s : u.structs) {
          if (s.kind == StructKind::kSkip) continue;
          uint64_t& end = (*carried)[s.id.client];
          end = std::max(end, s.id.clock + s.length);
        }
      }
      const auto it = carried->find(client);
      if (it == carried->end() || it->second <= d.clock)
        throw DecodeError("empty delete range beyond the client's state");
    }
  }
}

}  // namespace

Doc::Doc(uint64_t client_id) : client_id_(client_id) {}
Doc::Doc() : Doc(random_client_id()) {}
Doc::~Doc() {
  for (auto& [client, structs] : clients_) {
    for (Struct* s : structs) delete s;
  }
}

// ---- store ----------------------------------------------------------------------------------

Type* Doc::root(std::string_view name) {
  auto it = roots_.find(name);
  if (it == roots_.end()) {
    it = roots_.emplace(std::string(name), std::make_unique<Type>()).first;
    it->second->root_key = &it->first;
  }
  return it->second.get();
}

const Type* Doc::find_root(std::string_view name) const {
  const auto it = roots_.find(name);
  return it == roots_.end() ? nullptr : it->second.get();
}

uint64_t Doc::get_state(uint64_t client) const {
  const auto it = clients_.find(client);
  return it == clients_.end() || it->second.empty() ? 0 : it->second.back()->end();
}

Doc::Structs* Doc::structs_of(uint64_t client) {
  const auto it = clients_.find(client);
  return it == clients_.end() ? nullptr : &it->second;
}

StateVector Doc::state_vector() const {
  StateVector sv;
  for (const auto& [client, structs] : clients_) {
    if (!structs.empty()) sv[client] = structs.back()->end();
  }
  return sv;
}

size_t Doc::struct_count() const {
  size_t n = 0;
  for (const auto& [client, structs] : clients_) n += structs.size();
  return n;
}

// Binary search over the clock ranges of one client (yjs findIndexSS). O(log n).
size_t Doc::find_index(const Structs& structs, uint64_t clock) {
  size_t lo = 0, hi = structs.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const Struct& s = *structs[mid];
    if (s.id.clock <= clock) {
      if (clock < s.end()) return mid;
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  throw std::logic_error("crdt: no struct holds the requested clock");
}

Struct* Doc::get_struct(const ID& id) {
  Structs* structs = structs_of(id.client);
  if (!structs) throw std::logic_error("crdt: unknown client");
  return (*structs)[find_index(*structs, id.clock)];
}

void Doc::add_struct(std::unique_ptr<Struct> s) {
  Structs& structs = clients_[s->id.client];
  if (!structs.empty() && structs.back()->end() != s->id.clock) {
    throw std::logic_error("crdt: struct added out of order");
  }
  structs.push_back(s.release());
}

void Doc::replace_with_gc(Struct* s) {
  Structs& structs = clients_[s->id.client];
  const size_t i = find_index(structs, s->id.clock);
  structs[i] = new GC(s->id, s->length);
  delete s;
}

Item* Doc::split_item(Transaction& tr, Item* left, uint64_t diff) {
  const ID id{left->id.client, left->id.clock + diff};
  // Splitting a surrogate pair turns both halves into U+FFFD (Content::splice): the parent's
  // UTF-8 size follows.
  const bool counted = left->countable && !left->parent_sub && !left->is_deleted;
  const bool pair = counted && left->content.ref() == ContentRef::kString &&
                    left->content.as<ContentString>().str[diff - 1] >= 0xD800 &&
                    left->content.as<ContentString>().str[diff - 1] <= 0xDBFF;
  if (pair) left->parent->utf8_size -= visible_utf8(*left);
  auto right = std::make_unique<Item>(id, left->content.splice(diff));
  Item* r = right.get();
  r->left = left;
  r->origin = ID{id.client, id.clock - 1};
  r->right = left->right;
  r->right_origin = left->right_origin;
  r->parent = left->parent;
  r->parent_sub = left->parent_sub;
  r->is_deleted = left->is_deleted;
  r->keep = left->keep;
  // left keeps its right_origin (changing it would break syncing with peers).
  left->right = r;
  if (r->right) r->right->left = r;
  tr.merge_structs.push_back(id);
  if (r->parent_sub && !r->right) r->parent->map[*r->parent_sub] = r;
  left->length = diff;
  if (pair) left->parent->utf8_size += visible_utf8(*left) + visible_utf8(*r);
  Structs& structs = clients_[id.client];
  const size_t i = find_index(structs, left->id.clock);
  structs.insert(structs.begin() + static_cast<ptrdiff_t>(i) + 1, right.release());
  return r;
}

Struct* Doc::get_item_clean_start(Transaction& tr, const ID& id) {
  Struct* s = get_struct(id);
  if (s->id.clock < id.clock && !s->is_gc) {
    return split_item(tr, static_cast<Item*>(s), id.clock - s->id.clock);
  }
  return s;
}

Struct* Doc::get_item_clean_end(Transaction& tr, const ID& id) {
  Struct* s = get_struct(id);
  if (id.clock != s->end() - 1 && !s->is_gc) {
    split_item(tr, static_cast<Item*>(s), id.clock - s->id.clock + 1);
  }
  return s;
}

// ---- applying updates -----------------------------------------------------------------------

Applied Doc::apply_update(ByteView update) {
  DecodedUpdate u = decode_update(update);  // throws before anything changes
  check_update(u);
  check_empty_deletes(u, [this](uint64_t client) { return get_state(client); });
  Transaction tr{*this, false, state_vector(), {}, {}};
  std::vector<uint64_t> clients;
  uint64_t known = 0;
  for (const UpdateStruct& s : u.structs) {
    if (s.block_start) clients.push_back(s.id.client);
    if (s.kind == StructKind::kSkip) continue;
    const uint64_t have = state_of(tr.before_state, s.id.client);
    if (have > s.id.clock) known += std::min(have, s.end()) - s.id.clock;
  }
  read_update(tr, std::move(u));
  cleanup(tr);
  Applied applied;
  for (const uint64_t client : clients) {
    const uint64_t before = state_of(tr.before_state, client);
    const uint64_t after = get_state(client);
    if (after > before) applied.added.emplace_back(client, after - before);
  }
  for (const auto& [client, ranges] : tr.ds.clients) {
    for (const DeleteItem& r : ranges) applied.deleted += r.len;
  }
  // Someone else wrote with our client id: pick a new one, as yjs does.
  if (state_of(tr.before_state, client_id_) != get_state(client_id_))
    client_id_ = random_client_id();
  applied.known = known;
  applied.before = std::move(tr.before_state);
  return applied;
}

void Doc::read_update(Transaction& tr, DecodedUpdate&& update) {
  std::optional<Pending> rest = integrate_structs(tr, update.structs);
  bool retry = false;
  if (pending_structs_) {
    for (const auto& [client, clock] : pending_structs_->missing) {
      if (clock < get_state(client)) {
        retry = true;
        break;
      }
    }
    if (rest) {
      for (const auto& [client, clock] : rest->missing) {
        const auto it = pending_structs_->missing.find(client);
        if (it == pending_structs_->missing.end() || it->second > clock) {
          pending_structs_->missing[client] = clock;
        }
      }
      pending_structs_->update = merge_updates({pending_structs_->update, rest->update});
    }
  } else {
    pending_structs_ = std::move(rest);
  }

  std::optional<Bytes> ds_rest = apply_delete_set(tr, update.ds);
  if (pending_ds_) {
    const DecodedUpdate pending = decode_update(*pending_ds_);
    std::optional<Bytes> ds_rest2 = apply_delete_set(tr, pending.ds);
    if (ds_rest && ds_rest2) {
      pending_ds_ = merge_updates({*ds_rest, *ds_rest2});
    } else {
      pending_ds_ = ds_rest ? std::move(ds_rest) : std::move(ds_rest2);
    }
  } else {
    pending_ds_ = std::move(ds_rest);
  }

  if (retry) {
    const Bytes again = std::move(pending_structs_->update);
    pending_structs_.reset();
    read_update(tr, decode_update(again));
  }
}

// The struct references of one client in an update, consumed in clock order.
struct Doc::RefList {
  size_t i = 0;
  std::vector<UpdateStruct*> refs;
  bool removed = false;  // moved to the pending rest
  bool exhausted() const { return removed || i == refs.size(); }
};

// yjs integrateStructs: integrates what it can, following missing dependencies depth-first with
// an explicit stack; whatever cannot be integrated yet is returned as a pending update together
// with the lowest missing clock per client.
std::optional<Doc::Pending> Doc::integrate_structs(Transaction& tr,
                                                   std::vector<UpdateStruct>& structs) {
  std::map<uint64_t, RefList> client_refs;
  for (UpdateStruct& s : structs) {
    if (s.block_start) client_refs[s.id.client] = RefList{};  // a repeated client replaces
    client_refs[s.id.client].refs.push_back(&s);
  }
  if (client_refs.empty()) return std::nullopt;
  std::vector<uint64_t> ids;  // ascending; taken from the back (highest client first)
  for (const auto& [client, refs] : client_refs) ids.push_back(client);

  const auto next_target = [&]() -> RefList* {
    while (!ids.empty()) {
      RefList& t = client_refs[ids.back()];
      if (!t.exhausted()) return &t;
      ids.pop_back();
    }
    return nullptr;
  };
  RefList* target = next_target();
  if (!target) return std::nullopt;

  std::map<uint64_t, std::vector<UpdateStruct*>> rest;
  StateVector missing_sv;
  const auto update_missing = [&](uint64_t client, uint64_t clock) {
    const auto it = missing_sv.find(client);
    if (it == missing_sv.end() || it->second > clock) missing_sv[client] = clock;
  };
  std::vector<UpdateStruct*> stack;
  const auto stack_to_rest = [&]() {
    for (UpdateStruct* s : stack) {
      const uint64_t client = s->id.client;
      const auto it = client_refs.find(client);
      if (it != client_refs.end() && !it->second.removed && it->second.i > 0) {
        RefList& refs = it->second;
        --refs.i;  // the struct we could not apply
        rest[client].assign(refs.refs.begin() + static_cast<ptrdiff_t>(refs.i), refs.refs.end());
        refs.removed = true;
      } else {
        rest[client] = {s};
      }
      ids.erase(std::remove(ids.begin(), ids.end(), client), ids.end());
    }
    stack.clear();
  };

  std::unordered_map<uint64_t, uint64_t> state;  // cached get_state per client
  UpdateStruct* head = target->refs[target->i++];
  while (true) {
    if (head->kind != StructKind::kSkip) {
      const uint64_t client = head->id.client;
      auto [st, fresh] = state.try_emplace(client, 0);
      if (fresh) st->second = get_state(client);
      const uint64_t local_clock = st->second;
      if (local_clock < head->id.clock) {
        // An earlier update of the same client is missing.
        stack.push_back(head);
        update_missing(client, head->id.clock - 1);
        stack_to_rest();
      } else if (const std::optional<uint64_t> missing = get_missing(*head)) {
        stack.push_back(head);
        const auto it = client_refs.find(*missing);
        if (it == client_refs.end() || it->second.exhausted()) {
          // Depends on an update we do not have at all.
          update_missing(*missing, get_state(*missing));
          stack_to_rest();
        } else {
          head = it->second.refs[it->second.i++];
          continue;
        }
      } else {
        const uint64_t offset = local_clock - head->id.clock;
        integrate_struct(tr, *head, offset);
        state[client] = std::max(state[client], head->end());
      }
    }
    if (!stack.empty()) {
      head = stack.back();
      stack.pop_back();
    } else if (target && !target->exhausted()) {
      head = target->refs[target->i++];
    } else {
      target = next_target();
      if (!target) break;
      head = target->refs[target->i++];
    }
  }

  if (rest.empty()) return std::nullopt;
  Encoder enc;
  enc.write_var_uint(rest.size());
  for (auto it = rest.rbegin(); it != rest.rend(); ++it) {
    const auto& list = it->second;
    enc.write_var_uint(list.size());
    enc.write_var_uint(it->first);
    enc.write_var_uint(list.front()->id.clock);
    for (const UpdateStruct* s : list) write_struct(enc, *s, 0);
  }
  enc.write_var_uint(0);  // no deletes
  return Pending{std::move(missing_sv), enc.take()};
}

// yjs Item.getMissing, first half: the client of a dependency we do not have yet, if any.
std::optional<uint64_t> Doc::get_missing(const UpdateStruct& s) const {
  if (s.kind != StructKind::kItem) return std::nullopt;
  if (s.origin && s.origin->client != s.id.client && s.origin->clock >= get_state(s.origin->client))
    return s.origin->client;
  if (s.right_origin && s.right_origin->client != s.id.client &&
      s.right_origin->clock >= get_state(s.right_origin->client))
    return s.right_origin->client;
  if (const ID* p = std::get_if<ID>(&s.parent);
      p && p->client != s.id.client && p->clock >= get_state(p->client))
    return p->client;
  return std::nullopt;
}

// yjs Item.getMissing (second half: resolving origins and parent) followed by Item.integrate /
// GC.integrate with `offset` clocks already known.
void Doc::integrate_struct(Transaction& tr, UpdateStruct& s, uint64_t offset) {
  if (s.kind == StructKind::kGC) {
    if (offset < s.length)
      add_struct(std::make_unique<GC>(ID{s.id.client, s.id.clock + offset}, s.length - offset));
    return;
  }
  Struct* left = nullptr;
  Struct* right = nullptr;
  std::optional<ID> origin = s.origin;
  std::optional<ID> right_origin = s.right_origin;
  if (origin) {
    left = get_item_clean_end(tr, *origin);
    origin = ID{left->id.client, left->end() - 1};
  }
  if (right_origin) {
    right = get_item_clean_start(tr, *right_origin);
    right_origin = right->id;
  }
  Type* parent = nullptr;
  const std::string* parent_sub = nullptr;
  const std::string* own_sub = s.parent_sub ? &*s.parent_sub : nullptr;
  if ((left && left->is_gc) || (right && right->is_gc)) {
    parent = nullptr;
  } else if (std::holds_alternative<std::monostate>(s.parent)) {
    if (Item* l = as_item(left)) {
      parent = l->parent;
      parent_sub = l->parent_sub;
    } else if (Item* r = as_item(right)) {
      parent = r->parent;
      parent_sub = r->parent_sub;
    }
    own_sub = nullptr;
  } else if (const auto* name = std::get_if<std::string>(&s.parent)) {
    parent = root(*name);
  } else {
    Item* parent_item = as_item(get_struct(std::get<ID>(s.parent)));
    parent = parent_item ? parent_item->content.type() : nullptr;  // not a type: becomes GC
  }
  if (!(offset == 0 || offset < s.length)) return;  // already known entirely

  ID id = s.id;
  uint64_t length = s.length;
  Content content = std::move(s.content);
  if (offset > 0) {
    id.clock += offset;
    left = get_item_clean_end(tr, ID{id.client, id.clock - 1});
    origin = ID{left->id.client, left->end() - 1};
    content = content.splice(offset);
    length -= offset;
    if (left->is_gc) parent = nullptr;
  }
  if (!parent) {
    add_struct(std::make_unique<GC>(id, length));
    return;
  }
  if (own_sub) {
    parent_sub = &parent->map.try_emplace(*own_sub, nullptr).first->first;
  }
  auto item = std::make_unique<Item>(id, std::move(content));
  item->left = as_item(left);
  item->right = as_item(right);
  item->origin = origin;
  item->right_origin = right_origin;
  item->parent = parent;
  item->parent_sub = parent_sub;
  Item* raw = item.get();
  add_struct(std::move(item));
  integrate_item(tr, raw);
}

// YATA: place `item` between its origins, ordering concurrent inserts at the same place by the
// rules of yjs Item.integrate. The item is already in the struct store.
void Doc::integrate_item(Transaction& tr, Item* item) {
  Type* parent = item->parent;
  parent->marker_item = nullptr;
  if ((!item->left && (!item->right || item->right->left != nullptr)) ||
      (item->left && item->left->right != item->right)) {
    Item* left = item->left;
    Item* o;
    if (left) {
      o = left->right;
    } else if (item->parent_sub) {
      o = parent->map[*item->parent_sub];
      while (o && o->left) o = o->left;
    } else {
      o = parent->start;
    }
    conflicting_.clear();
    before_origin_.clear();
    // Let c in conflicting, b in before_origin:
    // ***{origin}bbbb{this}{c,b}{c,b}{o}***   (conflicting is a subset of before_origin)
    while (o && o != item->right) {
      before_origin_.insert(o);
      conflicting_.insert(o);
      if (same_id(item->origin, o->origin)) {
        // case 1: same origin
        if (o->id.client < item->id.client) {
          left = o;
          conflicting_.clear();
        } else if (same_id(item->right_origin, o->right_origin)) {
          // same integration points: the lower client id goes first, and this is left of o
          break;
        }
      } else if (o->origin && before_origin_.count(get_struct(*o->origin))) {
        // case 2: o's origin lies between our origin and o
        if (!conflicting_.count(get_struct(*o->origin))) {
          left = o;
          conflicting_.clear();
        }
      } else {
        break;
      }
      o = o->right;
    }
    item->left = left;
  }
  // Link into the list.
  if (item->left) {
    item->right = item->left->right;
    item->left->right = item;
  } else {
    Item* r;
    if (item->parent_sub) {
      r = parent->map[*item->parent_sub];
      while (r && r->left) r = r->left;
    } else {
      r = parent->start;
      parent->start = item;
    }
    item->right = r;
  }
  if (item->right) {
    item->right->left = item;
  } else if (item->parent_sub) {
    parent->map[*item->parent_sub] = item;  // the newest value of the key
    if (item->left) delete_item(tr, item->left);
  }
  if (!item->parent_sub && item->countable && !item->is_deleted) {
    parent->length += item->length;
    parent->utf8_size += visible_utf8(*item);
  }
  // Content side effects.
  if (Type* t = item->content.type()) t->item = item;
  if (item->content.ref() == ContentRef::kDeleted) {
    tr.ds.add(item->id.client, item->id.clock, item->length);
    item->is_deleted = true;
  }
  if ((parent->item && parent->item->is_deleted) || (item->parent_sub && item->right)) {
    delete_item(tr, item);
  }
}

void Doc::delete_item(Transaction& tr, Item* item) {
  if (item->is_deleted) return;
  Type* parent = item->parent;
  if (item->countable && !item->parent_sub) {
    parent->length -= item->length;
    parent->utf8_size -= visible_utf8(*item);
  }
  item->is_deleted = true;
  parent->marker_item = nullptr;
  tr.ds.add(item->id.client, item->id.clock, item->length);
  if (Type* t = item->content.type()) {
    const auto visit = [&](Item* child) {
      if (!child->is_deleted) {
        delete_item(tr, child);
      } else if (child->id.clock < state_of(tr.before_state, child->id.client)) {
        tr.merge_structs.push_back(child->id);  // gc'd later; try to merge it then
      }
    };
    for (Item* child = t->start; child; child = child->right) visit(child);
    for (auto& [key, child] : t->map) {
      if (child) visit(child);
    }
  }
}

// yjs readAndApplyDeleteSet: deletes what exists; returns the rest as an update to keep pending.
std::optional<Bytes> Doc::apply_delete_set(Transaction& tr, const DeleteSet& ds) {
  DeleteSet unapplied;
  for (const uint64_t client : ds.order) {
    const auto& dels = ds.clients.at(client);
    const uint64_t state = get_state(client);
    for (const DeleteItem& d : dels) {
      const uint64_t clock = d.clock;
      const uint64_t clock_end = d.clock + d.len;
      if (clock < state) {
        if (state < clock_end) unapplied.add(client, state, clock_end - state);
        Structs& structs = clients_[client];
        size_t index = find_index(structs, clock);
        Struct* s = structs[index];
        if (!s->deleted() && s->id.clock < clock) {
          split_item(tr, static_cast<Item*>(s), clock - s->id.clock);
          ++index;
        }
        while (index < structs.size()) {
          s = structs[index++];
          if (s->id.clock >= clock_end) break;
          if (!s->deleted()) {
            Item* item = static_cast<Item*>(s);
            if (clock_end < s->end()) split_item(tr, item, clock_end - s->id.clock);
            delete_item(tr, item);
          }
        }
      } else if (clock_end > clock) {  // an empty one is refused or accepted by apply_update
        unapplied.add(client, clock, clock_end - clock);
      }
    }
  }
  if (unapplied.empty()) return std::nullopt;
  Encoder enc;
  enc.write_var_uint(0);  // no structs
  unapplied.write(enc);
  return enc.take();
}

// ---- transaction cleanup: gc and merging ----------------------------------------------------

void Doc::gc_item(Item* item, bool parent_gcd) {
  if (!item->is_deleted) throw std::logic_error("crdt: gc of a visible item");
  if (Type* t = item->content.type()) {
    for (Item* child = t->start; child;) {
      Item* next = child->right;
      gc_item(child, true);
      child = next;
    }
    t->start = nullptr;
    for (auto& [key, last] : t->map) {
      for (Item* child = last; child;) {
        Item* prev = child->left;
        gc_item(child, true);
        child = prev;
      }
    }
    t->map.clear();
    t->marker_item = nullptr;
  }
  if (parent_gcd) {
    replace_with_gc(item);  // frees item
  } else {
    item->content = Content(ContentDeleted{item->length});
  }
}

bool Doc::merge_items(Item* left, Item* right) {
  if (!(right->origin && *right->origin == left->last_id() && left->right == right &&
        same_id(left->right_origin, right->right_origin) && left->id.client == right->id.client &&
        left->end() == right->id.clock && left->is_deleted == right->is_deleted &&
        left->content.ref() == right->content.ref() && left->content.merge_with(right->content))) {
    return false;
  }
  Type* parent = left->parent;
  if (parent->marker_item == right) {
    parent->marker_item = left;
    if (left->visible()) parent->marker_index -= left->length;
  }
  if (right->keep) left->keep = true;
  left->right = right->right;
  if (left->right) left->right->left = left;
  left->length += right->length;
  return true;
}

// yjs tryToMergeWithLefts: merges structs[pos] into its left neighbours as far as possible and
// removes the merged ones; returns how many were removed.
size_t Doc::try_merge_with_lefts(Structs& structs, size_t pos) {
  size_t i = pos;
  Struct* right = structs[pos];
  Struct* left = structs[pos - 1];
  while (i > 0) {
    bool merged = false;
    if (left->deleted() == right->deleted() && left->is_gc == right->is_gc) {
      if (left->is_gc) {
        left->length += right->length;
        merged = true;
      } else {
        Item* l = static_cast<Item*>(left);
        Item* r = static_cast<Item*>(right);
        merged = merge_items(l, r);
        if (merged && r->parent_sub) {
          auto& slot = r->parent->map[*r->parent_sub];
          if (slot == r) slot = l;
        }
      }
    }
    if (!merged) break;
    right = left;
    --i;
    left = i > 0 ? structs[i - 1] : nullptr;
  }
  const size_t merged = pos - i;
  if (merged) {
    for (size_t k = i + 1; k <= pos; ++k) delete structs[k];
    structs.erase(structs.begin() + static_cast<ptrdiff_t>(i) + 1,
                  structs.begin() + static_cast<ptrdiff_t>(pos) + 1);
  }
  return merged;
}

void Doc::cleanup(Transaction& tr) {
  tr.ds.sort_and_merge();
  const StateVector after_state = state_vector();
  // Replace deleted content by ContentDeleted / GC: this is where content leaves the doc.
  for (const uint64_t client : tr.ds.order) {
    const auto& dels = tr.ds.clients.at(client);
    Structs& structs = clients_[client];
    for (auto d = dels.rbegin(); d != dels.rend(); ++d) {
      const uint64_t end = d->clock + d->len;
      for (size_t si = find_index(structs, d->clock);
           si < structs.size() && structs[si]->id.clock < end; ++si) {
        Item* item = as_item(structs[si]);
        if (item && item->is_deleted && !item->keep) gc_item(item, false);
      }
    }
  }
  // Merge deleted neighbours, right to left.
  for (const uint64_t client : tr.ds.order) {
    const auto& dels = tr.ds.clients.at(client);
    Structs& structs = clients_[client];
    for (auto d = dels.rbegin(); d != dels.rend(); ++d) {
      const size_t last = find_index(structs, d->clock + d->len - 1);
      auto si = static_cast<ptrdiff_t>(std::min(structs.size() - 1, last + 1));
      while (si > 0 && structs[static_cast<size_t>(si)]->id.clock >= d->clock) {
        si -= 1 + static_cast<ptrdiff_t>(try_merge_with_lefts(structs, static_cast<size_t>(si)));
      }
    }
  }
  // Merge what this transaction added.
  for (const auto& [client, clock] : after_state) {
    const uint64_t before = state_of(tr.before_state, client);
    if (before == clock) continue;
    Structs& structs = clients_[client];
    const auto first = static_cast<ptrdiff_t>(std::max<size_t>(find_index(structs, before), 1));
    for (auto i = static_cast<ptrdiff_t>(structs.size()) - 1; i >= first;) {
      i -= 1 + static_cast<ptrdiff_t>(try_merge_with_lefts(structs, static_cast<size_t>(i)));
    }
  }
  // Merge split points again.
  for (auto it = tr.merge_structs.rbegin(); it != tr.merge_structs.rend(); ++it) {
    Structs& structs = clients_[it->client];
    const size_t pos = find_index(structs, it->clock);
    if (pos + 1 < structs.size() && try_merge_with_lefts(structs, pos + 1) > 1) continue;
    if (pos > 0) try_merge_with_lefts(structs, pos);
  }
}

// ---- encoding -------------------------------------------------------------------------------

void Doc::write_item(Encoder& enc, const Item& item, uint64_t offset) const {
  const Type* parent = item.parent;
  crdt::write_item(
      enc, item.id, item.origin, item.right_origin, parent->item ? nullptr : parent->root_key,
      parent->item ? &parent->item->id : nullptr, item.parent_sub, item.content, offset);
}

// yjs writeClientsStructs: for every client with structs `sv` lacks, highest client first.
void Doc::write_clients_structs(Encoder& enc, const StateVector& sv) const {
  std::map<uint64_t, uint64_t> sm;
  for (const auto& [client, clock] : sv) {
    if (get_state(client) > clock) sm[client] = clock;
  }
  for (const auto& [client, structs] : clients_) {
    if (!structs.empty() && !sv.count(client)) sm[client] = 0;
  }
  enc.write_var_uint(sm.size());
  for (auto it = sm.rbegin(); it != sm.rend(); ++it) {
    const Structs& structs = clients_.at(it->first);
    const uint64_t clock = std::max(it->second, structs[0]->id.clock);
    const size_t start = find_index(structs, clock);
    enc.write_var_uint(structs.size() - start);
    enc.write_var_uint(it->first);
    enc.write_var_uint(clock);
    for (size_t i = start; i < structs.size(); ++i) {
      const Struct& s = *structs[i];
      const uint64_t offset = i == start ? clock - s.id.clock : 0;
      if (s.is_gc) {
        enc.write_u8(0);
        enc.write_var_uint(s.length - offset);
      } else {
        write_item(enc, static_cast<const Item&>(s), offset);
      }
    }
  }
}

DeleteSet Doc::delete_set_from_store() const {
  DeleteSet ds;
  for (const auto& [client, structs] : clients_) {
    for (size_t i = 0; i < structs.size(); ++i) {
      if (!structs[i]->deleted()) continue;
      const uint64_t clock = structs[i]->id.clock;
      uint64_t len = structs[i]->length;
      while (i + 1 < structs.size() && structs[i + 1]->deleted()) len += structs[++i]->length;
      ds.add(client, clock, len);
    }
  }
  return ds;
}

Bytes Doc::encode_state_as_update(ByteView state_vector) const {
  static constexpr uint8_t kEmptySv[] = {0};
  const ByteView sv_bytes = state_vector.empty() ? ByteView(kEmptySv) : state_vector;
  const StateVector target = decode_state_vector(sv_bytes);
  Encoder enc;
  write_clients_structs(enc, target);
  delete_set_from_store().write(enc);
  if (!pending_ds_ && !pending_structs_) return enc.take();
  std::vector<Bytes> parts;
  parts.push_back(enc.take());
  if (pending_ds_) parts.push_back(*pending_ds_);
  if (pending_structs_) parts.push_back(diff_update(pending_structs_->update, sv_bytes));
  return merge_updates(std::vector<ByteView>(parts.begin(), parts.end()));
}

// ---- local transactions and Y.Text ----------------------------------------------------------

Bytes Doc::transact(const std::function<void(Transaction&)>& fn, bool want_update) {
  Transaction tr{*this, true, state_vector(), {}, {}};
  try {
    fn(tr);
  } catch (...) {
    cleanup(tr);
    throw;
  }
  cleanup(tr);
  if (!want_update) return {};
  if (tr.ds.empty() && state_vector() == tr.before_state) return {};
  Encoder enc;
  write_clients_structs(enc, tr.before_state);
  tr.ds.write(enc);
  return enc.take();
}

// yjs findPosition + findNextPosition: walks to `index` from the type's search marker (or the
// start), splitting the item that contains the position.
Doc::ListPos Doc::find_position(Transaction& tr, Type* type, uint64_t index) {
  Item* p = type->start;
  uint64_t pindex = 0;
  if (type->marker_item) {
    p = type->marker_item;
    pindex = type->marker_index;
    while (p->left && pindex > index) {
      p = p->left;
      if (p->visible()) pindex -= p->length;
    }
  }
  ListPos pos{p ? p->left : nullptr, p, pindex};
  uint64_t count = index - pindex;
  while (pos.right && count > 0) {
    Item* r = pos.right;
    if (!r->is_deleted && r->content.ref() != ContentRef::kFormat) {
      if (count < r->length) get_item_clean_start(tr, ID{r->id.client, r->id.clock + count});
      pos.index += r->length;
      count -= r->length;
    }
    pos.left = r;
    pos.right = r->right;
  }
  return pos;
}

void Doc::insert_text(Transaction& tr, std::string_view name, uint64_t index,
                      std::u16string_view text) {
  if (text.empty()) return;
  Type* type = root(name);
  if (index > type->length) throw std::out_of_range("text insert position past the end");
  if (type->ref == TypeRef::kUnknown) type->ref = TypeRef::kText;
  ListPos pos = find_position(tr, type, index);
  // Like yjs's minimizeAttributeChanges: insert after any deleted items at this position.
  while (pos.right && pos.right->is_deleted) {
    pos.left = pos.right;
    pos.right = pos.right->right;
  }
  auto item = std::make_unique<Item>(ID{client_id_, get_state(client_id_)},
                                     Content(ContentString{std::u16string(text)}));
  item->left = pos.left;
  if (pos.left) item->origin = pos.left->last_id();
  item->right = pos.right;
  if (pos.right) item->right_origin = pos.right->id;
  item->parent = type;
  Item* raw = item.get();
  add_struct(std::move(item));
  integrate_item(tr, raw);
  type->marker_item = raw;
  type->marker_index = pos.index;
}

void Doc::delete_text(Transaction& tr, std::string_view name, uint64_t index, uint64_t length) {
  if (length == 0) return;
  Type* type = root(name);
  if (index > type->length || length > type->length - index) {
    throw std::out_of_range("text delete range past the end");
  }
  ListPos pos = find_position(tr, type, index);
  while (length > 0 && pos.right) {
    Item* r = pos.right;
    if (!r->is_deleted) {
      const ContentRef ref = r->content.ref();
      if (ref == ContentRef::kString || ref == ContentRef::kEmbed || ref == ContentRef::kType) {
        if (length < r->length) get_item_clean_start(tr, ID{r->id.client, r->id.clock + length});
        length -= r->length;
        delete_item(tr, r);
      }
    }
    if (!r->is_deleted && r->content.ref() != ContentRef::kFormat) pos.index += r->length;
    pos.left = r;
    pos.right = r->right;
  }
  if (pos.right) {
    type->marker_item = pos.right;
    type->marker_index = pos.index;
  }
}

// ---- reading --------------------------------------------------------------------------------

std::u16string Doc::text16(std::string_view name) const {
  std::u16string out;
  const Type* type = find_root(name);
  if (!type) return out;
  for (const Item* n = type->start; n; n = n->right) {
    if (!n->is_deleted && n->content.ref() == ContentRef::kString) {
      out += n->content.as<ContentString>().str;
    }
  }
  return out;
}

std::string Doc::text(std::string_view name) const { return utf16_to_utf8(text16(name)); }

std::vector<TextRun> Doc::text_runs(std::string_view name) const {
  std::vector<TextRun> out;
  const Type* type = find_root(name);
  if (!type) return out;
  for (const Item* n = type->start; n; n = n->right) {
    if (!n->is_deleted && n->content.ref() == ContentRef::kString) {
      out.push_back({n->id, n->content.as<ContentString>().str});
    }
  }
  return out;
}

uint64_t Doc::text_length(std::string_view name) const {
  const Type* type = find_root(name);
  return type ? type->length : 0;
}

uint64_t Doc::text_utf8_size(std::string_view name) const {
  const Type* type = find_root(name);
  return type ? type->utf8_size : 0;
}

namespace {

bool undefined_value(const Item& item, uint64_t element) {
  switch (item.content.ref()) {
    case ContentRef::kAny:
      return std::holds_alternative<Undefined>(item.content.as<ContentAny>().values[element].v);
    case ContentRef::kJson:
      return item.content.as<ContentJson>().values[element] == "undefined";
    case ContentRef::kFormat:
    case ContentRef::kDeleted:
      return true;
    default:
      return false;
  }
}

}  // namespace

void Doc::append_value_json(std::string& out, const Item& item, uint64_t element) const {
  const Content& c = item.content;
  switch (c.ref()) {
    case ContentRef::kAny:
      append_json(out, c.as<ContentAny>().values[element]);
      break;
    case ContentRef::kJson: {
      const std::string& v = c.as<ContentJson>().values[element];
      out += v == "undefined" ? "null" : v;
      break;
    }
    case ContentRef::kBinary:
      append_json(out, Any(c.as<ContentBinary>().bytes));
      break;
    case ContentRef::kString:
      append_json_string(
          out, utf16_to_utf8(std::u16string_view(c.as<ContentString>().str).substr(element, 1)));
      break;
    case ContentRef::kEmbed:
      out += c.as<ContentEmbed>().json;
      break;
    case ContentRef::kType:
      append_type_json(out, *c.type(), c.type()->ref);
      break;
    default:
      out += "null";
      break;
  }
}

void Doc::append_type_json(std::string& out, const Type& type, TypeRef as) const {
  switch (as) {
    case TypeRef::kMap: {
      std::vector<std::pair<const std::string*, const Item*>> entries;
      for (const auto& [key, item] : type.map) {
        if (item && !item->is_deleted && !undefined_value(*item, item->length - 1)) {
          entries.emplace_back(&key, item);
        }
      }
      std::sort(entries.begin(), entries.end(),
                [](const auto& a, const auto& b) { return *a.first < *b.first; });
      out.push_back('{');
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out.push_back(',');
        append_json_string(out, *entries[i].first);
        out.push_back(':');
        append_value_json(out, *entries[i].second, entries[i].second->length - 1);
      }
      out.push_back('}');
      break;
    }
    case TypeRef::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Item* n = type.start; n; n = n->right) {
        if (!n->visible()) continue;
        for (uint64_t e = 0; e < n->length; ++e) {
          if (!first) out.push_back(',');
          first = false;
          append_value_json(out, *n, e);
        }
      }
      out.push_back(']');
      break;
    }
    case TypeRef::kText:
    case TypeRef::kXmlText: {
      std::u16string s;
      for (const Item* n = type.start; n; n = n->right) {
        if (!n->is_deleted && n->content.ref() == ContentRef::kString)
          s += n->content.as<ContentString>().str;
      }
      append_json_string(out, utf16_to_utf8(s));
      break;
    }
    default:
      out += "null";
      break;  // XML elements and fragments are not rendered
  }
}

std::string Doc::map_json(std::string_view name) const {
  std::string out;
  const Type* type = find_root(name);
  if (!type) return "{}";
  append_type_json(out, *type, TypeRef::kMap);
  return out;
}

std::string Doc::array_json(std::string_view name) const {
  std::string out;
  const Type* type = find_root(name);
  if (!type) return "[]";
  append_type_json(out, *type, TypeRef::kArray);
  return out;
}

}  // namespace crdt
