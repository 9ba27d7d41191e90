// blame.hpp — who wrote each line of a text, and when (wave 2 · 2, GET …/blame).
//
// The CRDT already knows who wrote every character: each one is an item (client, clock), and the
// server records which user each client id belongs to when it applies that client's first update
// (document_clients). When is the version that first holds the character: versions are captured
// states, so the oldest one whose state vector passes the clock was taken just after it was typed
// (at most a quiet period later). Characters typed since the newest version carry the time of
// their client's last edit, when the room knows it. A restore re-inserts a version's text as new
// characters of the restorer; its aliases lead blame back to the characters restored, so a
// restore changes no line's author or time.
//
// Pure: the caller gathers the runs (the room, or a doc rebuilt from a version's chain), the
// authors and the version points; this file only walks them once.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/history.hpp"

namespace weft::history {

// One item's visible characters (crdt::TextRun, owned so it can leave the room's strand).
struct BlameRun {
  uint64_t client = 0;
  uint64_t clock = 0;
  std::u16string text{};
};

struct BlameSource {
  std::vector<BlameRun> runs;                        // the text, in order
  std::unordered_map<uint64_t, int64_t> authors;     // client → user (missing: unknown)
  std::vector<store::VersionPoint> points;           // the versions, oldest first
  std::unordered_map<uint64_t, std::string> recent;  // client → its last edit (ISO), if known
  std::vector<store::Alias> aliases;                 // restored characters → their originals
};

// A range of one line written by one user in one version (columns in UTF-16 units, as Monaco's).
struct BlameSpan {
  uint32_t start = 0;
  uint32_t end = 0;
  int64_t user_id = 0;               // 0: unknown
  std::optional<int64_t> version{};  // the first version holding it; nullopt: newer than all
  std::optional<std::string> at{};   // that version's time, or the client's last edit
};

struct BlameLine {
  int64_t user_id = 0;              // who wrote most of the line (0: unknown, or empty line)
  std::optional<std::string> at{};  // the latest time among its spans
  std::vector<BlameSpan> spans{};
};

// One entry per line of the text (a text of n line breaks has n + 1 lines); the line break
// itself belongs to no span, but decides the author of an otherwise empty line.
std::vector<BlameLine> blame(const BlameSource& source);

// The aliases of a restore: `length` characters inserted at `offset` of the restored text
// `origins` (that text's runs), as client `client` from clock `first_clock` on.
std::vector<store::Alias> aliases_for(const std::vector<BlameRun>& origins, uint64_t offset,
                                      uint64_t length, uint64_t client, uint64_t first_clock);

// "YYYY-MM-DDTHH:MM:SS.mmmZ", as the store writes times (for BlameSource::recent).
std::string iso_millis(std::chrono::system_clock::time_point t);

}  // namespace weft::history
