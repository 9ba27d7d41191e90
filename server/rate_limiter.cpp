// rate_limiter.cpp — token-bucket arithmetic and pruning.
#include "server/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace weft {

double RateLimiter::refill(Bucket& b, Clock::time_point now) const {
  const double minutes = std::chrono::duration<double>(now - b.updated).count() / 60.0;
  if (minutes > 0) {
    b.tokens = std::min(static_cast<double>(per_minute_), b.tokens + minutes * per_minute_);
    b.updated = now;
  }
  return b.tokens;
}

void RateLimiter::prune(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (refill(it->second, now) >= static_cast<double>(per_minute_)) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  if (buckets_.size() >= kMaxKeys) buckets_.clear();
}

std::optional<std::chrono::seconds> RateLimiter::attempt(const std::string& key,
                                                         Clock::time_point now) {
  if (per_minute_ == 0) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxKeys) prune(now);
    it = buckets_.emplace(key, Bucket{static_cast<double>(per_minute_), now}).first;
  }
  Bucket& b = it->second;
  if (refill(b, now) >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait = (1.0 - b.tokens) * 60.0 / static_cast<double>(per_minute_);
  return std::chrono::seconds(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait))));
}

}  // namespace weft
