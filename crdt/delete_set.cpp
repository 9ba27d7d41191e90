// delete_set.cpp — delete set sorting, merging and wire form.
#include "crdt/delete_set.hpp"

#include <algorithm>

namespace crdt {

void DeleteSet::sort_and_merge() {
  for (auto& [client, dels] : clients) {
    std::stable_sort(dels.begin(), dels.end(),
                     [](const DeleteItem& a, const DeleteItem& b) { return a.clock < b.clock; });
    size_t j = 1;
    for (size_t i = 1; i < dels.size(); ++i) {
      DeleteItem& left = dels[j - 1];
      const DeleteItem right = dels[i];
      if (left.clock + left.len >= right.clock) {
        left.len = std::max(left.len, right.clock + right.len - left.clock);
      } else {
        dels[j++] = right;
      }
    }
    if (!dels.empty()) dels.resize(j);
  }
}

bool DeleteSet::contains(const ID& id) const {
  const auto it = clients.find(id.client);
  if (it == clients.end()) return false;
  const auto& dels = it->second;
  auto pos = std::upper_bound(dels.begin(), dels.end(), id.clock,
                              [](uint64_t clock, const DeleteItem& d) { return clock < d.clock; });
  if (pos == dels.begin()) return false;
  --pos;
  return id.clock < pos->clock + pos->len;
}

void DeleteSet::write(Encoder& enc) const {
  enc.write_var_uint(clients.size());
  for (auto it = clients.rbegin(); it != clients.rend(); ++it) {
    enc.write_var_uint(it->first);
    enc.write_var_uint(it->second.size());
    for (const DeleteItem& d : it->second) {
      enc.write_var_uint(d.clock);
      enc.write_var_uint(d.len);
    }
  }
}

DeleteSet DeleteSet::read(Decoder& dec) {
  DeleteSet ds;
  const uint64_t num_clients = dec.read_var_uint();
  for (uint64_t i = 0; i < num_clients; ++i) {
    const uint64_t client = dec.read_var_uint();
    const uint64_t n = dec.read_var_uint();
    if (n > dec.remaining()) throw DecodeError("delete set length exceeds data");
    if (n == 0) continue;
    auto& dels = ds.slot(client);
    for (uint64_t k = 0; k < n; ++k) {
      const uint64_t clock = dec.read_var_uint();
      const uint64_t len = dec.read_var_uint();
      if (clock + len > kMaxSafeInteger) throw DecodeError("delete range out of range");
      dels.push_back({clock, len});
    }
  }
  return ds;
}

DeleteSet merge_delete_sets(const std::vector<DeleteSet>& sets) {
  DeleteSet merged;
  for (const DeleteSet& ds : sets) {
    for (const uint64_t client : ds.order) {
      const auto& dels = ds.clients.at(client);
      auto& out = merged.slot(client);
      out.insert(out.end(), dels.begin(), dels.end());
    }
  }
  merged.sort_and_merge();
  return merged;
}

DeleteSet subtract(const DeleteSet& a, const DeleteSet& b) {
  DeleteSet out;
  for (const uint64_t client : a.order) {
    const auto& ranges = a.clients.at(client);
    const auto other = b.clients.find(client);
    if (other == b.clients.end()) {
      if (!ranges.empty()) out.slot(client) = ranges;
      continue;
    }
    const auto& cut = other->second;
    size_t j = 0;
    for (const DeleteItem& r : ranges) {
      uint64_t from = r.clock;
      const uint64_t to = r.clock + r.len;
      while (j < cut.size() && cut[j].clock + cut[j].len <= from) ++j;
      for (size_t k = j; k < cut.size() && cut[k].clock < to; ++k) {
        if (cut[k].clock > from) out.add(client, from, cut[k].clock - from);
        from = std::max(from, cut[k].clock + cut[k].len);
      }
      if (from < to) out.add(client, from, to - from);
    }
  }
  return out;
}

}  // namespace crdt
