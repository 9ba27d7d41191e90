// delete_set.hpp — which clock ranges are deleted, per client (yjs utils/DeleteSet.js).
//
// Updates carry a delete set after their structs; a doc derives one from its struct store. The
// ranges of a client are kept in the order they were added or read; sort_and_merge() sorts them
// by clock and joins overlapping or touching ranges, as yjs does before it writes a transaction.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "crdt/id.hpp"
#include "crdt/lib0.hpp"

namespace crdt {

struct DeleteItem {
  uint64_t clock;
  uint64_t len;
};

struct DeleteSet {
  std::map<uint64_t, std::vector<DeleteItem>> clients;
  // Clients in the order they were first added or read. yjs applies and garbage-collects in that
  // order (a JavaScript Map), and the order decides which items transaction cleanup merges.
  std::vector<uint64_t> order;

  void add(uint64_t client, uint64_t clock, uint64_t len) { slot(client).push_back({clock, len}); }
  std::vector<DeleteItem>& slot(uint64_t client) {
    auto [it, inserted] = clients.try_emplace(client);
    if (inserted) order.push_back(client);
    return it->second;
  }
  bool empty() const { return clients.empty(); }
  void sort_and_merge();
  // Binary search; the client's ranges must be sorted and merged.
  bool contains(const ID& id) const;
  // Clients highest first, each range as (clock, len), like yjs's writeDeleteSet (V1).
  void write(Encoder& enc) const;
  static DeleteSet read(Decoder& dec);
};

// Union of several delete sets, sorted and merged (yjs mergeDeleteSets).
DeleteSet merge_delete_sets(const std::vector<DeleteSet>& sets);
// The ranges of `a` that `b` does not cover; both sorted and merged (so is the result).
DeleteSet subtract(const DeleteSet& a, const DeleteSet& b);

}  // namespace crdt
