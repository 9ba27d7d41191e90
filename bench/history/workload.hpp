// workload.hpp — an editing trace as the updates several people would have sent a room, with what
// the document's history must show at each version (weft-history-bench).
//
// The trace's transactions are split into bursts (100–2,000 edits each, sizes and authors from a
// fixed-seed generator, never the same author twice in a row) among kAuthors: four users, one of
// them on two devices, so five Yjs client ids. A generator doc makes each transaction as the
// burst's client (set_client_id: the clients take turns on one synced doc, as several editors do
// through a room) and keeps the v1 update it emits; the room side of the benchmark only applies
// those updates, as a room applies what its connections send.
//
// Alongside, the trace is replayed into a plain UTF-16 string (positions are UTF-16 units: the
// traces have no characters outside the BMP), and at every capture point its text is kept: the
// text each version must rebuild to. The generator doc is checked against it at every point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/trace/trace.hpp"
#include "crdt/lib0.hpp"

namespace bench {

struct Author {
  uint64_t client;  // a random-looking 32-bit Yjs client id
  int64_t user_id;
};

inline constexpr Author kAuthors[] = {
    {2386147171, 1}, {1104385911, 2}, {3922008713, 3}, {607235459, 4}, {2981517207, 1},
};
inline constexpr size_t kAuthorCount = sizeof(kAuthors) / sizeof(kAuthors[0]);

struct Workload {
  std::vector<crdt::Bytes> updates;  // one per edit (trace transaction), in order
  std::vector<uint8_t> author;       // index into kAuthors, per edit
  // A version is captured after edit capture_after[k] - 1 (every `every` edits, and at the end).
  std::vector<size_t> capture_after;
  std::vector<std::string> texts;           // the trace's text (UTF-8) at each capture point
  std::vector<std::vector<int64_t>> users;  // users who edited since the capture before (sorted)
  size_t update_bytes = 0;                  // sum of the updates' sizes
};

// The first `edits` transactions of `trace` (all when 0 or more than it has), capturing every
// `every` edits. Throws std::runtime_error when the generator doc and the plain replay disagree.
Workload make_workload(const Trace& trace, size_t edits, size_t every);

}  // namespace bench
