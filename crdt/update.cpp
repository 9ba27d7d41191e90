// update.cpp — decoding and writing update structs; mergeUpdates, diffUpdate and
// encodeStateVectorFromUpdate ported from yjs utils/updates.js so that results are byte-identical.
#include "crdt/update.hpp"

#include <algorithm>

namespace crdt {

namespace {

constexpr uint8_t kInfoOrigin = 0x80;
constexpr uint8_t kInfoRightOrigin = 0x40;
constexpr uint8_t kInfoParentSub = 0x20;
constexpr uint8_t kRefMask = 0x1f;
constexpr uint8_t kRefGC = 0;
constexpr uint8_t kRefSkip = 10;

ID read_id(Decoder& dec) {
  const uint64_t client = dec.read_var_uint();
  return ID{client, dec.read_var_uint()};
}

void write_id(Encoder& enc, const ID& id) {
  enc.write_var_uint(id.client);
  enc.write_var_uint(id.clock);
}

}  // namespace

DecodedUpdate decode_update(ByteView update) {
  Decoder dec(update);
  DecodedUpdate out;
  const uint64_t num_clients = dec.read_var_uint();
  for (uint64_t c = 0; c < num_clients; ++c) {
    const uint64_t num_structs = dec.read_var_uint();
    if (num_structs > dec.remaining()) throw DecodeError("struct count exceeds data");
    const uint64_t client = dec.read_var_uint();
    uint64_t clock = dec.read_var_uint();
    out.structs.reserve(out.structs.size() + num_structs);
    for (uint64_t k = 0; k < num_structs; ++k) {
      UpdateStruct s;
      s.id = ID{client, clock};
      s.block_start = k == 0;
      const uint8_t info = dec.read_u8();
      const uint8_t ref = info & kRefMask;
      if (ref == kRefGC) {
        s.kind = StructKind::kGC;
        s.length = dec.read_var_uint();
      } else if (ref == kRefSkip) {
        s.kind = StructKind::kSkip;
        s.length = dec.read_var_uint();
      } else {
        s.kind = StructKind::kItem;
        if (info & kInfoOrigin) s.origin = read_id(dec);
        if (info & kInfoRightOrigin) s.right_origin = read_id(dec);
        const bool cant_copy_parent = (info & (kInfoOrigin | kInfoRightOrigin)) == 0;
        if (cant_copy_parent) {
          if (dec.read_var_uint() == 1) {
            s.parent = dec.read_var_string();
          } else {
            s.parent = read_id(dec);
          }
          if (info & kInfoParentSub) s.parent_sub = dec.read_var_string();
        }
        s.content = Content::read(dec, ref);
        s.length = s.content.length();
      }
      if (s.length == 0) throw DecodeError("zero-length struct");
      if (clock + s.length > kMaxSafeInteger) throw DecodeError("clock out of range");
      clock += s.length;
      out.structs.push_back(std::move(s));
    }
  }
  out.ds = DeleteSet::read(dec);
  return out;
}

void write_item(Encoder& enc, const ID& id, const std::optional<ID>& origin_in,
                const std::optional<ID>& right_origin, const std::string* root_parent,
                const ID* parent_id, const std::string* parent_sub, const Content& content,
                uint64_t offset) {
  const std::optional<ID> origin =
      offset > 0 ? std::optional<ID>(ID{id.client, id.clock + offset - 1}) : origin_in;
  const uint8_t info = static_cast<uint8_t>(
      (static_cast<uint8_t>(content.ref()) & kRefMask) | (origin ? kInfoOrigin : 0) |
      (right_origin ? kInfoRightOrigin : 0) | (parent_sub ? kInfoParentSub : 0));
  enc.write_u8(info);
  if (origin) write_id(enc, *origin);
  if (right_origin) write_id(enc, *right_origin);
  if (!origin && !right_origin) {
    if (root_parent) {
      enc.write_var_uint(1);
      enc.write_var_string(std::string_view(*root_parent));
    } else if (parent_id) {
      enc.write_var_uint(0);
      write_id(enc, *parent_id);
    } else {
      throw DecodeError("item without origin or parent");
    }
    if (parent_sub) enc.write_var_string(std::string_view(*parent_sub));
  }
  content.write(enc, offset);
}

void write_struct(Encoder& enc, const UpdateStruct& s, uint64_t offset) {
  switch (s.kind) {
    case StructKind::kGC:
      enc.write_u8(kRefGC);
      enc.write_var_uint(s.length - offset);
      break;
    case StructKind::kSkip:
      enc.write_u8(kRefSkip);
      enc.write_var_uint(s.length - offset);
      break;
    case StructKind::kItem:
      write_item(enc, s.id, s.origin, s.right_origin, std::get_if<std::string>(&s.parent),
                 std::get_if<ID>(&s.parent), s.parent_sub ? &*s.parent_sub : nullptr, s.content,
                 offset);
      break;
  }
}

UpdateStruct slice_struct(UpdateStruct& s, uint64_t diff) {
  UpdateStruct r;
  r.kind = s.kind;
  r.id = ID{s.id.client, s.id.clock + diff};
  r.length = s.length - diff;
  if (s.kind == StructKind::kItem) {
    r.origin = ID{s.id.client, s.id.clock + diff - 1};
    r.right_origin = s.right_origin;
    r.parent = s.parent;
    r.parent_sub = s.parent_sub;
    r.content = s.content.splice(diff);
    s.length = diff;
  }
  return r;
}

// ---- LazyStructWriter -----------------------------------------------------------------------

void LazyStructWriter::flush() {
  if (written_ > 0) {
    blocks_.push_back({written_, rest_.take()});
    rest_.clear();
    written_ = 0;
  }
}

void LazyStructWriter::write(const UpdateStruct& s, uint64_t offset) {
  if (written_ > 0 && curr_client_ != s.id.client) flush();
  if (written_ == 0) {
    curr_client_ = s.id.client;
    rest_.write_var_uint(s.id.client);
    rest_.write_var_uint(s.id.clock + offset);
  }
  write_struct(rest_, s, offset);
  ++written_;
}

void LazyStructWriter::finish(Encoder& enc) {
  flush();
  enc.write_var_uint(blocks_.size());
  for (const Block& b : blocks_) {
    enc.write_var_uint(b.written);
    enc.write_bytes(b.bytes);
  }
}

// ---- mergeUpdates ---------------------------------------------------------------------------

namespace {

// Walks the structs of one decoded update (yjs LazyStructReader with filterSkips = true).
struct Reader {
  DecodedUpdate* u;
  size_t i = 0;
  bool filter_skips;
  UpdateStruct* curr() { return i < u->structs.size() ? &u->structs[i] : nullptr; }
  void skip_filtered() {
    while (filter_skips && i < u->structs.size() && u->structs[i].kind == StructKind::kSkip) ++i;
  }
  UpdateStruct* next() {
    ++i;
    skip_filtered();
    return curr();
  }
};

// yjs's comparator for the decoders of mergeUpdates: higher client first, then lower clock. For
// two structs of different kinds at the same id it answers -1 both ways (it is inconsistent), so
// the order it produces depends on the sort algorithm; v8_sort reproduces V8's.
int compare_heads(const UpdateStruct& a, const UpdateStruct& b) {
  if (a.id.client == b.id.client) {
    if (a.id.clock == b.id.clock) {
      if (a.kind == b.kind) return 0;
      return a.kind == StructKind::kSkip ? 1 : -1;
    }
    return a.id.clock < b.id.clock ? -1 : 1;
  }
  return b.id.client < a.id.client ? -1 : 1;
}

// Array.prototype.sort as V8 implements it (TimSort) for fewer than 64 elements: one run found by
// CountAndMakeRun (reversed when strictly descending), extended by binary insertion sort. With an
// inconsistent comparator only the exact algorithm gives yjs's result. Longer arrays (merging 64+
// updates at once) use a stable sort, which agrees with V8 whenever the comparator is consistent.
template <typename T, typename Cmp>
void v8_sort(std::vector<T>& a, Cmp cmp) {
  const size_t n = a.size();
  if (n < 2) return;
  if (n >= 64) {
    std::stable_sort(a.begin(), a.end(), [&](const T& x, const T& y) { return cmp(x, y) < 0; });
    return;
  }
  size_t run = 2;
  const bool descending = cmp(a[1], a[0]) < 0;
  for (size_t i = 2; i < n; ++i) {
    const int order = cmp(a[i], a[i - 1]);
    if (descending ? order >= 0 : order < 0) break;
    ++run;
  }
  if (descending) std::reverse(a.begin(), a.begin() + static_cast<ptrdiff_t>(run));
  for (size_t start = run; start < n; ++start) {
    size_t left = 0, right = start;
    T pivot = a[start];
    while (left < right) {
      const size_t mid = left + ((right - left) >> 1);
      if (cmp(pivot, a[mid]) < 0) {
        right = mid;
      } else {
        left = mid + 1;
      }
    }
    for (size_t p = start; p > left; --p) a[p] = a[p - 1];
    a[left] = pivot;
  }
}

bool merge_struct_with(UpdateStruct& left, const UpdateStruct& right) {
  // Items never merge here: yjs's Item.mergeWith requires left.right === right, which is null in
  // an update. GC merges with GC and Skip with Skip.
  if (left.kind == StructKind::kItem || left.kind != right.kind) return false;
  left.length += right.length;
  return true;
}

}  // namespace

Bytes merge_updates(const std::vector<ByteView>& updates) {
  if (updates.size() == 1) return Bytes(updates[0].begin(), updates[0].end());
  std::vector<DecodedUpdate> decoded;
  decoded.reserve(updates.size());
  for (const ByteView u : updates) decoded.push_back(decode_update(u));

  std::vector<Reader> readers;
  for (auto& d : decoded) {
    Reader r{&d, 0, true};
    r.skip_filtered();
    readers.push_back(r);
  }
  std::vector<Reader*> active;
  for (auto& r : readers) active.push_back(&r);

  LazyStructWriter writer;
  std::optional<UpdateStruct> curr_write;  // the struct being extended, written with offset 0
  while (true) {
    active.erase(std::remove_if(active.begin(), active.end(),
                                [](Reader* r) { return r->curr() == nullptr; }),
                 active.end());
    v8_sort(active, [](Reader* a, Reader* b) { return compare_heads(*a->curr(), *b->curr()); });
    if (active.empty()) break;
    Reader* curr_decoder = active[0];
    const uint64_t first_client = curr_decoder->curr()->id.client;

    if (curr_write) {
      UpdateStruct* curr = curr_decoder->curr();
      bool iterated = false;
      while (curr != nullptr && curr->end() <= curr_write->end() &&
             curr->id.client >= curr_write->id.client) {
        curr = curr_decoder->next();
        iterated = true;
      }
      if (curr == nullptr || curr->id.client != first_client ||
          (iterated && curr->id.clock > curr_write->end())) {
        continue;
      }
      if (first_client != curr_write->id.client) {
        writer.write(*curr_write, 0);
        curr_write = std::move(*curr);
        curr_decoder->next();
      } else if (curr_write->end() < curr->id.clock) {
        if (curr_write->kind == StructKind::kSkip) {
          curr_write->length = curr->end() - curr_write->id.clock;
        } else {
          writer.write(*curr_write, 0);
          UpdateStruct skip;
          skip.kind = StructKind::kSkip;
          skip.id = ID{first_client, curr_write->end()};
          skip.length = curr->id.clock - curr_write->end();
          curr_write = std::move(skip);
        }
      } else {
        const uint64_t diff = curr_write->end() - curr->id.clock;
        UpdateStruct sliced;
        UpdateStruct* next_struct = curr;
        if (diff > 0) {
          if (curr_write->kind == StructKind::kSkip) {
            curr_write->length -= diff;
          } else {
            sliced = slice_struct(*curr, diff);
            next_struct = &sliced;
          }
        }
        // On a successful merge yjs leaves the decoder where it is: the merged struct is skipped
        // by the next round's catch-up loop. Doing the same keeps the results identical.
        if (!merge_struct_with(*curr_write, *next_struct)) {
          writer.write(*curr_write, 0);
          curr_write = std::move(*next_struct);
          curr_decoder->next();
        }
      }
    } else {
      curr_write = std::move(*curr_decoder->curr());
      curr_decoder->next();
    }
    for (UpdateStruct* next = curr_decoder->curr();
         next != nullptr && next->id.client == first_client &&
         next->id.clock == curr_write->end() && next->kind != StructKind::kSkip;
         next = curr_decoder->next()) {
      writer.write(*curr_write, 0);
      curr_write = std::move(*next);
    }
  }
  if (curr_write) writer.write(*curr_write, 0);

  Encoder enc;
  writer.finish(enc);
  std::vector<DeleteSet> dss;
  for (auto& d : decoded) dss.push_back(std::move(d.ds));
  merge_delete_sets(dss).write(enc);
  return enc.take();
}

// ---- diffUpdate -----------------------------------------------------------------------------

namespace {

Bytes diff_decoded(DecodedUpdate& u, ByteView state_vector, const DeleteSet* known);

}  // namespace

Bytes diff_update(ByteView update, ByteView state_vector) {
  DecodedUpdate u = decode_update(update);
  return diff_decoded(u, state_vector, nullptr);
}

Bytes diff_update(ByteView update, ByteView state_vector, const DeleteSet& known) {
  DecodedUpdate u = decode_update(update);
  return diff_decoded(u, state_vector, &known);
}

namespace {

Bytes diff_decoded(DecodedUpdate& u, ByteView state_vector, const DeleteSet* known) {
  const StateVector sv = decode_state_vector(state_vector);
  LazyStructWriter writer;
  size_t i = 0;
  const size_t n = u.structs.size();
  while (i < n) {
    const UpdateStruct& curr = u.structs[i];
    const uint64_t client = curr.id.client;
    const uint64_t sv_clock = state_of(sv, client);
    if (curr.kind == StructKind::kSkip) {
      ++i;
      continue;
    }
    if (curr.end() > sv_clock) {
      writer.write(curr, sv_clock > curr.id.clock ? sv_clock - curr.id.clock : 0);
      ++i;
      while (i < n && u.structs[i].id.client == client) {
        writer.write(u.structs[i], 0);
        ++i;
      }
    } else {
      while (i < n && u.structs[i].id.client == client && u.structs[i].end() <= sv_clock) ++i;
    }
  }
  Encoder enc;
  writer.finish(enc);
  if (known) {
    u.ds.sort_and_merge();
    subtract(u.ds, *known).write(enc);
  } else {
    u.ds.write(enc);
  }
  return enc.take();
}

}  // namespace

// ---- encodeStateVectorFromUpdate ------------------------------------------------------------

Bytes encode_state_vector_from_update(ByteView update) {
  const DecodedUpdate u = decode_update(update);
  Encoder body;
  uint64_t size = 0;
  if (!u.structs.empty()) {
    uint64_t curr_client = u.structs[0].id.client;
    bool stop_counting = u.structs[0].id.clock != 0;
    uint64_t curr_clock = stop_counting ? 0 : u.structs[0].end();
    for (const UpdateStruct& s : u.structs) {
      if (curr_client != s.id.client) {
        if (curr_clock != 0) {
          ++size;
          body.write_var_uint(curr_client);
          body.write_var_uint(curr_clock);
        }
        curr_client = s.id.client;
        curr_clock = 0;
        stop_counting = s.id.clock != 0;
      }
      if (s.kind == StructKind::kSkip) stop_counting = true;
      if (!stop_counting) curr_clock = s.end();
    }
    if (curr_clock != 0) {
      ++size;
      body.write_var_uint(curr_client);
      body.write_var_uint(curr_clock);
    }
  }
  Encoder enc;
  enc.write_var_uint(size);
  enc.write_bytes(body.bytes());
  return enc.take();
}

}  // namespace crdt
