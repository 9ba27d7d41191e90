// thinning_test.cpp — the thinning policy (server/history/thinning.hpp): what is kept at each tier
// boundary, to the millisecond, and the ISO timestamp parser it reads created_at with.
#include "server/history/thinning.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace weft::history {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

// 2026-03-15T12:30:00.000Z: half past an hour, so hour buckets straddle the tier boundaries.
const int64_t kNow = parse_iso_millis("2026-03-15T12:30:00.000Z").value();

// Builds a history oldest first, one version per call, ids 1, 2, 3, … (the last one is the head).
class Timeline {
 public:
  int64_t add(int64_t created_at_ms, bool named = false) {
    stamps_.push_back({.id = next_id_, .created_at_ms = created_at_ms, .named = named});
    return next_id_++;
  }
  // A head well inside the keep-all tier, so the versions under test are not the head.
  void add_head() { add(kNow); }
  std::vector<int64_t> thinned(const ThinningPolicy& policy = {}) const {
    return versions_to_thin(stamps_, kNow, policy);
  }

  std::vector<Stamp> stamps_;

 private:
  int64_t next_id_ = 1;
};

TEST(ParseIsoMillis, ReadsTheStoresTimestamps) {
  EXPECT_EQ(parse_iso_millis("1970-01-01T00:00:00.000Z"), 0);
  EXPECT_EQ(parse_iso_millis("2026-11-25T17:30:35.123Z"), 1795627835123);
  EXPECT_EQ(parse_iso_millis("2026-11-25T17:30:35Z"), 1795627835000);
  EXPECT_EQ(parse_iso_millis("2026-11-25T17:30:35.1Z"), 1795627835100);
  EXPECT_EQ(parse_iso_millis("2026-11-25T17:30:35.123999Z"), 1795627835123);  // cut, not rounded
  EXPECT_EQ(parse_iso_millis("2000-02-29T00:00:00.000Z"), 951782400000);
  EXPECT_EQ(parse_iso_millis("1969-12-31T23:59:59.999Z"), -1);
}

TEST(ParseIsoMillis, RefusesEverythingElse) {
  for (const char* bad :
       {"", "2026-11-25", "2026-11-25T17:30:35.123", "2026-11-25 17:30:35.123Z",
        "2026-11-25T17:30:35.123+00", "2026-11-25T17:30:35.Z", "2026-02-30T00:00:00.000Z",
        "2025-02-29T00:00:00.000Z", "2026-13-01T00:00:00.000Z", "2026-11-25T24:00:00.000Z",
        "2026-11-25T17:60:00.000Z", "2026-11-25T17:30:60.000Z", "2026-11-25T17:30:35.123Zx",
        "20x6-11-25T17:30:35.123Z"}) {
    EXPECT_EQ(parse_iso_millis(bad), std::nullopt) << bad;
  }
}

TEST(Thinning, KeepsEverythingOfTheLast24Hours) {
  Timeline h;
  // Many in one clock hour, up to exactly 24 h old.
  h.add(kNow - 24 * kHour);
  h.add(kNow - 24 * kHour + 1);
  h.add(kNow - 23 * kHour);
  h.add(kNow - 23 * kHour + 5 * kMinute);
  h.add(kNow - kMinute);
  h.add_head();
  EXPECT_TRUE(h.thinned().empty());
}

TEST(Thinning, AfterTwentyFourHoursOnePerClockHour) {
  Timeline h;
  const int64_t hour_start = kNow - 2 * kDay - 30 * kMinute;  // 2026-03-13T12:00:00.000Z
  const int64_t a = h.add(hour_start);
  const int64_t b = h.add(hour_start + 20 * kMinute);
  h.add(hour_start + kHour - 1);  // 12:59:59.999, the hour's newest
  h.add(hour_start + kHour);      // 13:00:00.000, an hour of its own
  h.add_head();
  EXPECT_EQ(h.thinned(), (std::vector<int64_t>{a, b}));
}

TEST(Thinning, TheTwentyFourHourBoundaryToTheMillisecond) {
  // Yesterday's 12:00 hour straddles the boundary (now − 24 h is 12:30:00.000).
  {
    Timeline h;
    const int64_t older = h.add(kNow - 24 * kHour - 10 * kMinute);  // 12:20, hourly tier
    h.add(kNow - 24 * kHour - 1);                                   // 12:29:59.999, hourly tier
    h.add_head();
    EXPECT_EQ(h.thinned(), std::vector<int64_t>{older});  // the hour's newest stays
  }
  {
    Timeline h;
    const int64_t older = h.add(kNow - 24 * kHour - 10 * kMinute);
    const int64_t just_past = h.add(kNow - 24 * kHour - 1);
    h.add(kNow - 24 * kHour);  // 12:30:00.000: exactly 24 h old, kept, and the hour's newest
    h.add_head();
    EXPECT_EQ(h.thinned(), (std::vector<int64_t>{older, just_past}));
  }
}

TEST(Thinning, AfterThirtyDaysOnePerUtcDay) {
  Timeline h;
  const int64_t day_start = kNow - 40 * kDay - 12 * kHour - 30 * kMinute;  // 2026-02-03T00:00Z
  const int64_t morning = h.add(day_start);
  const int64_t noon = h.add(day_start + 12 * kHour);
  h.add(day_start + kDay - 1);  // 23:59:59.999, the day's newest
  h.add(day_start + kDay);      // 00:00:00.000 of the next day
  h.add_head();
  EXPECT_EQ(h.thinned(), (std::vector<int64_t>{morning, noon}));
}

TEST(Thinning, TheThirtyDayBoundaryToTheMillisecond) {
  // now − 30 d is 2026-02-13T12:30:00.000Z. At exactly 30 days a version is still in the hourly
  // tier, so the newest of its hour stays though a newer version of that day exists.
  Timeline h;
  const int64_t daily_tier = h.add(kNow - 30 * kDay - 1);  // 12:29:59.999, daily tier
  h.add(kNow - 30 * kDay);                                 // 12:30:00.000, hourly tier
  h.add(kNow - 30 * kDay + 2 * kHour);                     // 14:30, same day, another hour
  h.add_head();
  // daily_tier is not its day's newest; the next one is its hour's newest.
  EXPECT_EQ(h.thinned(), std::vector<int64_t>{daily_tier});

  // One millisecond older, the same version is judged by its day, and goes.
  Timeline later;
  later.add(kNow - 30 * kDay - 2);
  later.add(kNow - 30 * kDay - 1);
  later.add(kNow - 30 * kDay + 2 * kHour);
  later.add_head();
  EXPECT_EQ(later.thinned(), (std::vector<int64_t>{1, 2}));
}

TEST(Thinning, NamedVersionsStayAndRepresentTheirBucket) {
  Timeline h;
  const int64_t hour_start = kNow - 3 * kDay - 30 * kMinute;
  h.add(hour_start, true);  // not the hour's newest, but named: stays
  const int64_t plain = h.add(hour_start + 10 * kMinute);
  h.add(hour_start + 20 * kMinute, true);  // the hour's newest is named
  h.add(kNow - 400 * kDay, true);          // not its day's newest, named: stays
  h.add(kNow - 400 * kDay + kMinute);
  h.add_head();
  EXPECT_EQ(h.thinned(), std::vector<int64_t>{plain});
}

TEST(Thinning, TheHeadAndUnreadableTimesStay) {
  Timeline h;
  // The head is kept even when it is old and (clock skew) not the newest of its day.
  h.add(kNow - 50 * kDay + kHour);
  h.add(kNow - 50 * kDay);
  EXPECT_TRUE(h.thinned().empty());

  Timeline unreadable;
  unreadable.stamps_.push_back({.id = 1, .created_at_ms = std::nullopt});
  unreadable.stamps_.push_back({.id = 2, .created_at_ms = kNow - 50 * kDay});
  unreadable.stamps_.push_back({.id = 3, .created_at_ms = kNow - 50 * kDay + 1});
  unreadable.stamps_.push_back({.id = 4, .created_at_ms = kNow});
  EXPECT_EQ(unreadable.thinned(), std::vector<int64_t>{2});

  EXPECT_TRUE(Timeline().thinned().empty());
}

TEST(Thinning, EqualTimesKeepTheLargerId) {
  Timeline h;
  const int64_t t = kNow - 5 * kDay;
  const int64_t first = h.add(t);
  h.add(t);
  h.add_head();
  EXPECT_EQ(h.thinned(), std::vector<int64_t>{first});
}

TEST(Thinning, ALongHistoryKeepsWhatThePolicySaysAndIsStable) {
  Timeline h;
  // A version every 7 minutes for 60 days, up to now.
  for (int64_t t = kNow - 60 * kDay; t <= kNow; t += 7 * kMinute) h.add(t);
  const auto thinned = h.thinned();
  const std::set<int64_t> gone(thinned.begin(), thinned.end());

  std::vector<Stamp> kept;
  for (const Stamp& s : h.stamps_) {
    if (!gone.count(s.id)) kept.push_back(s);
  }
  std::set<int64_t> hours;
  std::set<int64_t> days;
  size_t recent = 0;
  for (const Stamp& s : kept) {
    const int64_t t = *s.created_at_ms;
    const int64_t age = kNow - t;
    if (age <= 24 * kHour) {
      ++recent;
    } else if (age <= 30 * kDay) {
      EXPECT_TRUE(hours.insert(t / kHour).second) << "two kept in one hour: " << t;
    } else {
      EXPECT_TRUE(days.insert(t / kDay).second) << "two kept in one day: " << t;
    }
  }
  size_t recent_all = 0;
  for (const Stamp& s : h.stamps_) recent_all += kNow - *s.created_at_ms <= 24 * kHour;
  EXPECT_EQ(recent, recent_all);
  // Every hour of the hourly tier (but the one straddling 24 h, whose newest is younger) and every
  // day of the daily tier (but the one straddling 30 d) has its version.
  EXPECT_EQ(hours.size(), 29u * 24u);
  EXPECT_EQ(days.size(), 30u);

  EXPECT_TRUE(versions_to_thin(kept, kNow).empty());
}

TEST(Thinning, APolicyOfItsOwn) {
  Timeline h;
  const ThinningPolicy policy{.keep_all_for = std::chrono::minutes(10),
                              .hourly_for = std::chrono::hours(2)};
  const int64_t a = h.add(kNow - 90 * kMinute);  // 11:00, hourly tier
  h.add(kNow - 80 * kMinute);                    // 11:10, the hour's newest
  const int64_t c = h.add(kNow - 3 * kHour);     // 09:30, daily tier: the day's newest is the head
  h.add_head();
  EXPECT_EQ(h.thinned(policy), (std::vector<int64_t>{a, c}));
}

TEST(Thinning, OverStoreVersions) {
  using std::chrono::system_clock;
  const auto now = system_clock::time_point(std::chrono::milliseconds(kNow));
  const std::vector<store::Version> versions = {
      {.id = 10, .created_at = "2026-03-01T08:05:00.000Z"},
      {.id = 11, .created_at = "2026-03-01T08:55:00.000Z"},
      {.id = 12, .created_at = "2026-03-01T08:56:00.000Z", .name = "named"},
      {.id = 13, .created_at = "not a time"},
      {.id = 14, .created_at = "2026-03-15T12:00:00.000Z"},
  };
  EXPECT_EQ(versions_to_thin(versions, now), (std::vector<int64_t>{10, 11}));
}

}  // namespace
}  // namespace weft::history
