// slots.cpp — CRC16 slots and CLUSTER SLOTS.
#include "bus/redis/slots.hpp"

#include <hiredis/hiredis.h>

namespace bus::redis {

namespace {

uint16_t crc16(std::string_view data) {
  uint16_t crc = 0;
  for (const char ch : data) {
    crc ^= static_cast<uint16_t>(static_cast<uint8_t>(ch)) << 8;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<uint16_t>(crc << 1);
  }
  return crc;
}

bool node_of(const redisReply& r, const Node& asked, Node& out) {
  if (r.type != REDIS_REPLY_ARRAY || r.elements < 2) return false;
  const redisReply& host = *r.element[0];
  const redisReply& port = *r.element[1];
  if (host.type != REDIS_REPLY_STRING || port.type != REDIS_REPLY_INTEGER) return false;
  if (port.integer <= 0 || port.integer > 65535) return false;
  out.host.assign(host.str, host.len);
  if (out.host.empty() || out.host == "?") out.host = asked.host;
  out.port = static_cast<int>(port.integer);
  return true;
}

}  // namespace

uint16_t key_slot(std::string_view key) {
  if (const size_t open = key.find('{'); open != std::string_view::npos) {
    const size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1)
      key = key.substr(open + 1, close - open - 1);
  }
  return crc16(key) % kSlots;
}

std::vector<SlotRange> parse_cluster_slots(const redisReply& reply, const Node& asked) {
  std::vector<SlotRange> ranges;
  if (reply.type != REDIS_REPLY_ARRAY) return {};
  for (size_t i = 0; i < reply.elements; ++i) {
    const redisReply& e = *reply.element[i];
    if (e.type != REDIS_REPLY_ARRAY || e.elements < 3) return {};
    const redisReply& first = *e.element[0];
    const redisReply& last = *e.element[1];
    if (first.type != REDIS_REPLY_INTEGER || last.type != REDIS_REPLY_INTEGER) return {};
    if (first.integer < 0 || last.integer < first.integer || last.integer >= kSlots) return {};
    SlotRange range;
    range.first = static_cast<uint16_t>(first.integer);
    range.last = static_cast<uint16_t>(last.integer);
    if (!node_of(*e.element[2], asked, range.master)) return {};
    for (size_t j = 3; j < e.elements; ++j) {
      Node replica;
      if (node_of(*e.element[j], asked, replica)) range.replicas.push_back(std::move(replica));
    }
    ranges.push_back(std::move(range));
  }
  return ranges;
}

}  // namespace bus::redis
