// thinning.cpp — the thinning policy of thinning.hpp.
//
// One pass finds the newest version of every UTC hour and day (by created_at, then id); a second
// decides each version from its age tier and whether it is its bucket's newest. Since a bucket's
// newest version is always kept (hour ⊂ day, so the newest of a day is the newest of its hour too),
// deleting the others never changes what a bucket's newest is: the result is stable. O(n log n).
#include "server/history/thinning.hpp"

#include <map>
#include <utility>

namespace weft::history {

namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;

// Rounds toward −∞, so times before 1970 fall in the right bucket too.
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Reads exactly `width` digits at `pos`.
std::optional<int> number(std::string_view s, size_t pos, size_t width) {
  if (pos + width > s.size()) return std::nullopt;
  int out = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    out = out * 10 + (s[i] - '0');
  }
  return out;
}

// created_at then id: what "newest" means within a bucket.
using Rank = std::pair<int64_t, int64_t>;

}  // namespace

std::optional<int64_t> parse_iso_millis(std::string_view s) {
  const auto year = number(s, 0, 4);
  const auto month = number(s, 5, 2);
  const auto day = number(s, 8, 2);
  const auto hour = number(s, 11, 2);
  const auto minute = number(s, 14, 2);
  const auto second = number(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || s[4] != '-' || s[7] != '-' ||
      s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  if (*hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    const size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
    for (size_t k = 0; k < 3; ++k) {
      millis = millis * 10 + (start + k < pos ? s[start + k] - '0' : 0);
    }
  }
  if (s.substr(pos) != "Z") return std::nullopt;
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  return days * kDayMs + *hour * kHourMs + *minute * 60'000 + *second * 1'000 + millis;
}

std::vector<int64_t> versions_to_thin(const std::vector<Stamp>& versions, int64_t now_ms,
                                      const ThinningPolicy& policy) {
  std::map<int64_t, Rank> newest_of_hour;
  std::map<int64_t, Rank> newest_of_day;
  for (const Stamp& v : versions) {
    if (!v.created_at_ms) continue;
    const Rank rank{*v.created_at_ms, v.id};
    for (auto [buckets, width] : {std::pair{&newest_of_hour, kHourMs}, {&newest_of_day, kDayMs}}) {
      auto [it, inserted] = buckets->emplace(floor_div(*v.created_at_ms, width), rank);
      if (!inserted && it->second < rank) it->second = rank;
    }
  }

  std::vector<int64_t> out;
  for (size_t i = 0; i + 1 < versions.size(); ++i) {  // the last one, the head, stays
    const Stamp& v = versions[i];
    if (v.named || !v.created_at_ms) continue;
    const int64_t t = *v.created_at_ms;
    const int64_t age = now_ms - t;
    if (age <= policy.keep_all_for.count()) continue;
    const Rank rank{t, v.id};
    const bool newest = age <= policy.hourly_for.count()
                            ? newest_of_hour.at(floor_div(t, kHourMs)) == rank
                            : newest_of_day.at(floor_div(t, kDayMs)) == rank;
    if (!newest) out.push_back(v.id);
  }
  return out;
}

std::vector<int64_t> versions_to_thin(const std::vector<store::Version>& versions,
                                      std::chrono::system_clock::time_point now,
                                      const ThinningPolicy& policy) {
  std::vector<Stamp> stamps;
  stamps.reserve(versions.size());
  for (const store::Version& v : versions) {
    stamps.push_back(
        {.id = v.id, .created_at_ms = parse_iso_millis(v.created_at), .named = v.name.has_value()});
  }
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return versions_to_thin(stamps, now_ms, policy);
}

}  // namespace weft::history
