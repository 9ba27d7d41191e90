// room_registry.hpp — the loaded rooms by document id, and their budget.
//
// The registry's mutex is taken only when a connection opens or closes and when an idle room is
// unloaded, never per message. `holders` counts connections that acquired a room and have not
// released it; a room is unloaded only when it has none, so a connection arriving while a room
// is being compacted for unload simply keeps it.
//
// The budget (--max-loaded-rooms, --rooms-memory-mb): when a room is loaded, or one becomes idle,
// beyond either bound, the idle rooms (no holder) that have been idle longest are unloaded at
// once, without waiting for their --room-grace-ms. A WebSocket join (try_acquire) that would load a
// room beyond the bounds when no idle room is left to unload is refused; the caller closes it with
// 1013 (try again later). The API's brief holds (acquire) are never refused: they may exceed the
// bound for the length of one request.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace weft {

class Room;
struct Services;

class RoomRegistry {
 public:
  // The registry is created before the Services that refer to it; bind() completes the pair.
  void bind(Services& services) { services_ = &services; }

  // The room of `document_id`, created (and loading) if it was not loaded. Counts one holder.
  std::shared_ptr<Room> acquire(int64_t document_id);
  // As acquire, but nullptr (and nothing held) when loading the room would exceed the budget and
  // no idle room can make way.
  std::shared_ptr<Room> try_acquire(int64_t document_id);
  // Drops one holder; the last one lets an idle room unload.
  void release(const std::shared_ptr<Room>& room);
  // The room of `document_id` if it is loaded (without holding it).
  std::shared_ptr<Room> find(int64_t document_id);
  // Removes `room` if nobody holds it; true if removed.
  bool try_unload(const Room* room);
  // Rooms unloaded since start (the server gives freed memory back to the system after some:
  // server.cpp's memory tick).
  uint64_t unloads() const { return unloads_.load(std::memory_order_relaxed); }

  std::vector<std::shared_ptr<Room>> all();
  std::vector<std::pair<int64_t, size_t>> users();

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::shared_ptr<Room> room;
    size_t holders = 0;
    Clock::time_point idle_since{};  // when holders last fell to 0
    bool evicting = false;           // asked to unload now, for the budget
  };
  std::shared_ptr<Room> acquire(int64_t document_id, bool may_refuse);
  // With mu_ held: picks the longest-idle rooms to unload (into `evict`) until the budget holds
  // with `adding` rooms more; false when it cannot even with every idle room unloaded.
  bool make_room(size_t adding, std::vector<std::shared_ptr<Room>>& evict);

  Services* services_ = nullptr;
  std::mutex mu_;
  std::unordered_map<int64_t, Entry> rooms_;
  size_t evicting_ = 0;  // entries with `evicting` set
  std::atomic<uint64_t> unloads_{0};
};

}  // namespace weft
