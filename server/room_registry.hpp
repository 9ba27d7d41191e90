// room_registry.hpp — the loaded rooms by document id.
//
// The registry's mutex is taken only when a connection opens or closes and when an idle room is
// unloaded, never per message. `holders` counts connections that acquired a room and have not
// released it; a room is unloaded only when it has none, so a connection arriving while a room
// is being compacted for unload simply keeps it.
#pragma once

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
  // Drops one holder; the last one lets an idle room unload.
  void release(const std::shared_ptr<Room>& room);
  // The room of `document_id` if it is loaded (without holding it).
  std::shared_ptr<Room> find(int64_t document_id);
  // Removes `room` if nobody holds it; true if removed.
  bool try_unload(const Room* room);

  std::vector<std::shared_ptr<Room>> all();
  std::vector<std::pair<int64_t, size_t>> users();

 private:
  struct Entry {
    std::shared_ptr<Room> room;
    size_t holders = 0;
  };
  Services* services_ = nullptr;
  std::mutex mu_;
  std::unordered_map<int64_t, Entry> rooms_;
};

}  // namespace weft
