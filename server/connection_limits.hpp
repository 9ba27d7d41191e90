// connection_limits.hpp — how many WebSocket connections one address and one user may hold at
// once (--max-connections-per-ip, --max-connections-per-user; wave 2 · 6). A connection over a
// limit is refused with 4429 once it is authenticated (the user is known then); its slot is held
// for as long as the session lives and given back when it ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace weft {

class ConnectionLimits {
 public:
  // 0: no limit.
  ConnectionLimits(size_t per_ip, size_t per_user) : per_ip_(per_ip), per_user_(per_user) {}

  // One connection's share of both counts; move-only, released when destroyed.
  class Slot {
   public:
    Slot(Slot&& other) noexcept
        : owner_(other.owner_), ip_(std::move(other.ip_)), user_(other.user_) {
      other.owner_ = nullptr;
    }
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    ~Slot();

   private:
    friend class ConnectionLimits;
    Slot(ConnectionLimits* owner, std::string ip, int64_t user)
        : owner_(owner), ip_(std::move(ip)), user_(user) {}
    ConnectionLimits* owner_;
    std::string ip_;
    int64_t user_;
  };

  enum class Refusal { kIp, kUser };
  struct Result {
    std::optional<Slot> slot;  // nullopt: refused, for `refusal`
    Refusal refusal = Refusal::kIp;
  };
  // A slot for one more connection of `user_id` from `ip`, unless either count is at its limit.
  Result acquire(const std::string& ip, int64_t user_id);

  size_t per_ip() const { return per_ip_; }
  size_t per_user() const { return per_user_; }

 private:
  void release(const std::string& ip, int64_t user_id);

  const size_t per_ip_;
  const size_t per_user_;
  std::mutex mutex_;
  std::unordered_map<std::string, size_t> by_ip_;
  std::unordered_map<int64_t, size_t> by_user_;
};

}  // namespace weft
