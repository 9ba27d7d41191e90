// rate_limiter.hpp — token buckets by key, for login and registration attempts.
//
// Each key (e.g. "login-ip:203.0.113.5", "login-user:alice") has a bucket of `per_minute` tokens
// that refills continuously at `per_minute` per minute. An attempt takes one token; with none left
// it is refused and told how many seconds until the next token (the Retry-After header). Memory is
// bounded: when the table grows past kMaxKeys, buckets that have refilled completely (they hold no
// information) are dropped, and if that is not enough the table is cleared, which errs toward
// letting attempts through rather than growing without bound under a flood of distinct keys.
// Thread-safe (one mutex; an attempt is a hash lookup, far cheaper than the bcrypt it guards).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace weft {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxKeys = 100000;

  // per_minute == 0 disables limiting.
  explicit RateLimiter(size_t per_minute) : per_minute_(per_minute) {}

  // Takes a token from `key`'s bucket: nullopt when allowed, else the seconds to wait (>= 1).
  std::optional<std::chrono::seconds> attempt(const std::string& key,
                                              Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  double refill(Bucket& b, Clock::time_point now) const;
  void prune(Clock::time_point now);

  const size_t per_minute_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace weft
