// awareness.cpp — applying, removing and encoding awareness states.
#include "protocol/awareness.hpp"

#include <algorithm>

namespace protocol {

size_t Awareness::largest_state(crdt::ByteView update) {
  crdt::Decoder dec(update);
  const uint64_t n = dec.read_var_uint();
  if (n > dec.remaining()) throw crdt::DecodeError("awareness count exceeds data");
  size_t largest = 0;
  for (uint64_t i = 0; i < n; ++i) {
    dec.read_var_uint();  // client
    dec.read_var_uint();  // clock
    largest = std::max(largest, dec.read_var_string().size());
  }
  return largest;
}

Awareness::Change Awareness::apply(crdt::ByteView update) {
  struct Entry {
    uint64_t client;
    uint64_t clock;
    std::string state;
  };
  std::vector<Entry> entries;
  crdt::Decoder dec(update);
  const uint64_t n = dec.read_var_uint();
  if (n > dec.remaining()) throw crdt::DecodeError("awareness count exceeds data");
  for (uint64_t i = 0; i < n; ++i) {
    Entry e;
    e.client = dec.read_var_uint();
    e.clock = dec.read_var_uint();
    e.state = dec.read_var_string();
    if (!crdt::is_valid_json(e.state)) throw crdt::DecodeError("awareness state is not JSON");
    entries.push_back(std::move(e));
  }
  Change change;
  for (Entry& e : entries) {
    const auto meta = meta_.find(e.client);
    const uint64_t curr_clock = meta == meta_.end() ? 0 : meta->second.clock;
    const bool is_null = e.state == "null";
    const bool has_state = states_.count(e.client) > 0;
    if (!(curr_clock < e.clock || (curr_clock == e.clock && is_null && has_state))) {
      if (meta != meta_.end() && !is_null && !has_state) change.behind.push_back(e.client);
      continue;
    }
    if (is_null) {
      states_.erase(e.client);
    } else {
      states_[e.client] = std::move(e.state);
    }
    meta_[e.client].clock = e.clock;
    if (meta == meta_.end() && !is_null) {
      change.added.push_back(e.client);
    } else if (meta != meta_.end() && is_null) {
      change.removed.push_back(e.client);
    } else if (!is_null) {
      change.updated.push_back(e.client);
    }
  }
  return change;
}

crdt::Bytes Awareness::remove(const std::vector<uint64_t>& clients) {
  crdt::Encoder body;
  uint64_t n = 0;
  for (const uint64_t client : clients) {
    if (!states_.erase(client)) continue;
    body.write_var_uint(client);
    body.write_var_uint(meta_.at(client).clock);
    body.write_var_string(std::string_view("null"));
    ++n;
  }
  if (n == 0) return {};
  crdt::Encoder enc;
  enc.write_var_uint(n);
  enc.write_bytes(body.bytes());
  return enc.take();
}

crdt::Bytes Awareness::encode_all() const {
  crdt::Encoder enc;
  enc.write_var_uint(states_.size());
  for (const auto& [client, state] : states_) {
    enc.write_var_uint(client);
    enc.write_var_uint(meta_.at(client).clock);
    enc.write_var_string(std::string_view(state));
  }
  return enc.take();
}

crdt::Bytes Awareness::encode(const std::vector<uint64_t>& clients) const {
  crdt::Encoder body;
  uint64_t n = 0;
  for (const uint64_t client : clients) {
    const auto meta = meta_.find(client);
    if (meta == meta_.end()) continue;
    const auto state = states_.find(client);
    body.write_var_uint(client);
    body.write_var_uint(meta->second.clock);
    body.write_var_string(state == states_.end() ? std::string_view("null")
                                                 : std::string_view(state->second));
    ++n;
  }
  crdt::Encoder enc;
  enc.write_var_uint(n);
  enc.write_bytes(body.bytes());
  return enc.take();
}

uint64_t Awareness::clock(uint64_t client) const {
  const auto meta = meta_.find(client);
  return meta == meta_.end() ? 0 : meta->second.clock;
}

crdt::Bytes Awareness::encode_state(uint64_t client, uint64_t clock, std::string_view state) {
  crdt::Encoder enc;
  enc.write_var_uint(1);
  enc.write_var_uint(client);
  enc.write_var_uint(clock);
  enc.write_var_string(state);
  return enc.take();
}

}  // namespace protocol
