// slots.hpp — Redis Cluster's key space: which of the 16384 hash slots a channel belongs to (the
// CRC16 of its name, or of its {hash tag}), and the slot map a node reports with CLUSTER SLOTS.
// A sharded channel (SSUBSCRIBE/SPUBLISH) lives on the master that owns its slot.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct redisReply;

namespace bus::redis {

inline constexpr uint16_t kSlots = 16384;

// CRC16-CCITT (XMODEM) of the key, or of the part between the first '{' and the next '}' when
// that is not empty, modulo 16384 — as in the Redis Cluster specification.
uint16_t key_slot(std::string_view key);

struct Node {
  std::string host;
  int port = 0;
  bool operator==(const Node&) const = default;
};

struct SlotRange {
  uint16_t first = 0;
  uint16_t last = 0;  // inclusive
  Node master;
  std::vector<Node> replicas;
};

// The reply to CLUSTER SLOTS. A node that does not know its own address reports "" or "?": it is
// `asked`, the node that answered. Returns nothing for a malformed reply.
std::vector<SlotRange> parse_cluster_slots(const redisReply& reply, const Node& asked);

}  // namespace bus::redis
