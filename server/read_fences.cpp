// read_fences.cpp — the per-user fences and their expiry (see read_fences.hpp).
#include "server/read_fences.hpp"

#include <algorithm>

namespace weft {

uint64_t ReadFences::fence(int64_t user_id) {
  std::lock_guard lock(mu_);
  const auto it = fences_.find(user_id);
  if (it == fences_.end()) return 0;
  if (Clock::now() - it->second.at > keep_) {
    fences_.erase(it);
    return 0;
  }
  return it->second.position;
}

void ReadFences::wrote(int64_t user_id, uint64_t position) {
  if (position == 0) return;  // no replicas: nothing to wait for
  const auto now = Clock::now();
  std::lock_guard lock(mu_);
  Entry& e = fences_[user_id];
  e.position = std::max(e.position, position);
  e.at = now;
  if (now - swept_ > keep_) {
    std::erase_if(fences_, [&](const auto& kv) { return now - kv.second.at > keep_; });
    swept_ = now;
  }
}

size_t ReadFences::size() const {
  std::lock_guard lock(mu_);
  return fences_.size();
}

}  // namespace weft
