// blame.cpp — one pass over the runs. For each client the versions' clocks form a non-decreasing
// sequence (every version's state contains the one before it), so "the first version whose state
// passes clock c" is a binary search in that client's list of (clock, version) steps, and a run
// typed across several versions (Yjs merges sequential typing into one item) is cut at each step.
#include "server/history/blame.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>

#include "crdt/id.hpp"

namespace weft::history {

namespace {

// Where a client's state grew: at version `point` the client's state became `clock`.
struct Step {
  uint64_t clock;
  size_t point;
};

std::unordered_map<uint64_t, std::vector<Step>> steps_of(
    const std::vector<store::VersionPoint>& points) {
  std::unordered_map<uint64_t, std::vector<Step>> out;
  for (size_t i = 0; i < points.size(); ++i) {
    for (const auto& [client, clock] : crdt::decode_state_vector(points[i].state_vector)) {
      auto& steps = out[client];
      if (steps.empty() || steps.back().clock < clock) steps.push_back({clock, i});
    }
  }
  return out;
}

std::unordered_map<uint64_t, std::vector<store::Alias>> aliases_by_client(
    const std::vector<store::Alias>& aliases) {
  std::unordered_map<uint64_t, std::vector<store::Alias>> out;
  for (const store::Alias& a : aliases) out[a.client].push_back(a);
  for (auto& [client, list] : out) {
    std::sort(list.begin(), list.end(),
              [](const auto& a, const auto& b) { return a.clock < b.clock; });
  }
  return out;
}

// A restore of a restore aliases aliases; more than this many steps is a cycle.
constexpr int kMaxAliasDepth = 16;

class Walker {
 public:
  explicit Walker(const BlameSource& source)
      : source_(source),
        steps_(steps_of(source.points)),
        aliases_(aliases_by_client(source.aliases)) {
    lines_.emplace_back();
  }

  void run(const BlameRun& r) {
    size_t i = 0;
    while (i < r.text.size()) {
      if (r.text[i] == u'\n') {
        if (lines_.back().spans.empty()) {
          uint64_t client = r.client, clock = r.clock + i, length = 1;
          resolve(client, clock, length);
          break_user_ = author(client);
        }
        end_line();
        ++i;
        continue;
      }
      size_t stop = r.text.find(u'\n', i);
      if (stop == std::u16string::npos) stop = r.text.size();
      // [i, stop) has no line break; cut it where an alias or a version boundary falls.
      while (i < stop) {
        uint64_t client = r.client;
        uint64_t clock = r.clock + i;
        uint64_t take = stop - i;
        resolve(client, clock, take);
        std::optional<size_t> point;
        if (const auto it = steps_.find(client); it != steps_.end()) {
          const auto& steps = it->second;
          const auto s = std::upper_bound(steps.begin(), steps.end(), clock,
                                          [](uint64_t c, const Step& st) { return c < st.clock; });
          if (s != steps.end()) {
            point = s->point;
            take = std::min<uint64_t>(take, s->clock - clock);
          }
        }
        span(author(client), point, client, static_cast<uint32_t>(take));
        i += take;
      }
    }
  }

  std::vector<BlameLine> finish() {
    end_line();
    lines_.pop_back();  // end_line opened one more
    return std::move(lines_);
  }

 private:
  // Follows aliases from (client, clock): the characters restored, and how many of the `length`
  // from there they cover (the rest starts at another alias, or at none).
  void resolve(uint64_t& client, uint64_t& clock, uint64_t& length) const {
    for (int depth = 0; depth < kMaxAliasDepth; ++depth) {
      const auto it = aliases_.find(client);
      if (it == aliases_.end()) return;
      const auto& list = it->second;
      const auto next =
          std::upper_bound(list.begin(), list.end(), clock,
                           [](uint64_t c, const store::Alias& a) { return c < a.clock; });
      if (next != list.begin()) {
        const store::Alias& a = *std::prev(next);
        if (clock < a.clock + a.length) {
          length = std::min(length, a.clock + a.length - clock);
          clock = a.origin_clock + (clock - a.clock);
          client = a.origin_client;
          continue;
        }
      }
      if (next != list.end()) length = std::min(length, next->clock - clock);
      return;
    }
  }

  int64_t author(uint64_t client) const {
    const auto it = source_.authors.find(client);
    return it == source_.authors.end() ? 0 : it->second;
  }

  void span(int64_t user, std::optional<size_t> point, uint64_t client, uint32_t length) {
    BlameLine& line = lines_.back();
    std::optional<int64_t> version;
    std::optional<std::string> at;
    if (point) {
      version = source_.points[*point].id;
      at = source_.points[*point].created_at;
    } else if (const auto it = source_.recent.find(client); it != source_.recent.end()) {
      at = it->second;
    }
    if (!line.spans.empty()) {
      BlameSpan& last = line.spans.back();
      if (last.user_id == user && last.version == version && last.at == at) {
        last.end += length;
        return;
      }
    }
    const uint32_t start = line.spans.empty() ? 0 : line.spans.back().end;
    line.spans.push_back({start, start + length, user, version, std::move(at)});
  }

  // Closes the current line (its author: most characters; an empty line's is its break's) and
  // opens the next.
  void end_line() {
    BlameLine& line = lines_.back();
    if (line.spans.empty()) {
      line.user_id = break_user_;
    } else {
      std::map<int64_t, uint32_t> count;
      for (const BlameSpan& s : line.spans) {
        count[s.user_id] += s.end - s.start;
        if (s.at && (!line.at || *s.at > *line.at)) line.at = s.at;  // ISO times sort as text
      }
      // Most characters; on a tie, whoever wrote first in the line.
      uint32_t best = 0;
      for (const BlameSpan& s : line.spans) {
        if (count[s.user_id] > best) {
          best = count[s.user_id];
          line.user_id = s.user_id;
        }
      }
    }
    break_user_ = 0;
    lines_.emplace_back();
  }

  const BlameSource& source_;
  const std::unordered_map<uint64_t, std::vector<Step>> steps_;
  const std::unordered_map<uint64_t, std::vector<store::Alias>> aliases_;
  std::vector<BlameLine> lines_;
  int64_t break_user_ = 0;
};

}  // namespace

std::vector<BlameLine> blame(const BlameSource& source) {
  Walker walker(source);
  for (const BlameRun& r : source.runs) walker.run(r);
  return walker.finish();
}

std::vector<store::Alias> aliases_for(const std::vector<BlameRun>& origins, uint64_t offset,
                                      uint64_t length, uint64_t client, uint64_t first_clock) {
  std::vector<store::Alias> out;
  const uint64_t end = offset + length;
  uint64_t at = 0;  // where the run starts in the text
  for (const BlameRun& r : origins) {
    const uint64_t from = std::max(at, offset);
    const uint64_t to = std::min<uint64_t>(at + r.text.size(), end);
    if (from < to) {
      out.push_back({.client = client,
                     .clock = first_clock + (from - offset),
                     .length = to - from,
                     .origin_client = r.client,
                     .origin_clock = r.clock + (from - at)});
    }
    at += r.text.size();
    if (at >= end) break;
  }
  return out;
}

std::string iso_millis(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char out[64];  // 24 needed; room for any int the compiler cannot rule out
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return out;
}

}  // namespace weft::history
