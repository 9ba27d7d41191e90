// thinning.hpp — which unnamed versions of a document thinning deletes (issue 13's policy), as a
// pure function of the versions and the time: no store, no clock, no thread of its own. The caller
// (a periodic task) passes it to store::History::thin as the `pick` function, with `now` bound.
//
// The policy, by a version's age (now − created_at):
//   age ≤ keep_all_for (24 h)            kept;
//   keep_all_for < age ≤ hourly_for (30 d) kept only if it is the newest version of its UTC clock
//                                          hour;
//   age > hourly_for                     kept only if it is the newest version of its UTC day.
// "Newest of its hour/day" compares with every version in that hour or day, named ones and those of
// a younger tier included: an hour whose newest version is still under 24 h old is represented by
// that one, and the older versions of the hour go. Newest means the latest created_at, ties broken
// by the larger id. Whatever the age, named versions are never deleted, nor the head (the last
// version, the chain's newest), nor a version whose created_at cannot be read. Applying the
// function again to what it kept deletes nothing more at the same `now`.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "store/history.hpp"

namespace weft::history {

struct ThinningPolicy {
  std::chrono::milliseconds keep_all_for = std::chrono::hours(24);
  std::chrono::milliseconds hourly_for = std::chrono::hours(24 * 30);  // measured from now
};

// What the policy looks at in a version.
struct Stamp {
  int64_t id = 0;
  std::optional<int64_t> created_at_ms{};  // since the Unix epoch; nullopt when unreadable
  bool named = false;
};

// The ids to delete among `versions` (oldest first, i.e. ascending ids), in that order.
std::vector<int64_t> versions_to_thin(const std::vector<Stamp>& versions, int64_t now_ms,
                                      const ThinningPolicy& policy = {});
// The same over store::Version, parsing created_at with parse_iso_millis.
std::vector<int64_t> versions_to_thin(const std::vector<store::Version>& versions,
                                      std::chrono::system_clock::time_point now,
                                      const ThinningPolicy& policy = {});

// Milliseconds since the Unix epoch of an ISO 8601 UTC time as the store writes it:
// "YYYY-MM-DDTHH:MM:SS[.fff…]Z" (the fraction, of any length, is cut to milliseconds). nullopt for
// anything else, including an impossible date such as February 30.
std::optional<int64_t> parse_iso_millis(std::string_view text);

}  // namespace weft::history
