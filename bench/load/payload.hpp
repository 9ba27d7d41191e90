// payload.hpp — the text each benchmark update inserts, which carries its own identity and send
// time, so a receiver measures propagation latency from the update bytes alone.
//
// A marker is 30 ASCII characters: '#', the sender's index (8 hex digits), its sequence number
// (8 hex), the send time in microseconds since the benchmark's epoch (12 hex, steady clock, the
// same clock the receivers read), '\n'. A Yjs v1 update stores inserted text as raw UTF-8, so the
// markers appear verbatim in the update bytes; scanning for them needs no CRDT decoding and also
// finds every marker of an update a server merged from several (Hocuspocus coalesces updates that
// arrive in one event-loop turn).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "crdt/lib0.hpp"

namespace bench {

inline constexpr size_t kMarkerLength = 30;

struct Marker {
  uint32_t sender;
  uint32_t seq;
  int64_t sent_us;
};

std::u16string make_marker(const Marker& m);
// Calls `fn` for every marker in `bytes`; returns how many were found.
size_t scan_markers(crdt::ByteView bytes, const std::function<void(const Marker&)>& fn);

}  // namespace bench
