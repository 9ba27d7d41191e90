// connection_limits.cpp — two counters under one mutex (taken once per connection and once when
// it ends; never on the message path). Entries that reach zero are erased, so the maps hold only
// the addresses and users connected now.
#include "server/connection_limits.hpp"

namespace weft {

ConnectionLimits::Slot::~Slot() {
  if (owner_) owner_->release(ip_, user_);
}

ConnectionLimits::Result ConnectionLimits::acquire(const std::string& ip, int64_t user_id) {
  std::lock_guard lock(mutex_);
  size_t& ip_count = by_ip_[ip];
  size_t& user_count = by_user_[user_id];
  Result r;
  if (per_ip_ != 0 && ip_count >= per_ip_) {
    r.refusal = Refusal::kIp;
  } else if (per_user_ != 0 && user_count >= per_user_) {
    r.refusal = Refusal::kUser;
  } else {
    ++ip_count;
    ++user_count;
    r.slot.emplace(Slot(this, ip, user_id));
    return r;
  }
  if (ip_count == 0) by_ip_.erase(ip);
  if (user_count == 0) by_user_.erase(user_id);
  return r;
}

void ConnectionLimits::release(const std::string& ip, int64_t user_id) {
  std::lock_guard lock(mutex_);
  if (const auto it = by_ip_.find(ip); it != by_ip_.end() && --it->second == 0) by_ip_.erase(it);
  if (const auto it = by_user_.find(user_id); it != by_user_.end() && --it->second == 0)
    by_user_.erase(it);
}

}  // namespace weft
