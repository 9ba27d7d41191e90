// room_registry.cpp — acquiring, releasing and unloading rooms.
#include "server/room_registry.hpp"

#include "server/room.hpp"

namespace weft {

std::shared_ptr<Room> RoomRegistry::acquire(int64_t document_id) {
  std::shared_ptr<Room> created;
  std::shared_ptr<Room> room;
  {
    std::lock_guard lock(mu_);
    Entry& e = rooms_[document_id];
    if (!e.room) {
      e.room = std::make_shared<Room>(document_id, *services_);
      created = e.room;
    }
    ++e.holders;
    room = e.room;
  }
  if (created) {
    services_->metrics.documents.fetch_add(1, std::memory_order_relaxed);
    created->start_load();
  }
  return room;
}

void RoomRegistry::release(const std::shared_ptr<Room>& room) {
  bool last = false;
  {
    std::lock_guard lock(mu_);
    const auto it = rooms_.find(room->document_id());
    if (it != rooms_.end() && it->second.room == room && it->second.holders > 0)
      last = --it->second.holders == 0;
  }
  if (last) room->unload_if_idle();
}

std::shared_ptr<Room> RoomRegistry::find(int64_t document_id) {
  std::lock_guard lock(mu_);
  const auto it = rooms_.find(document_id);
  return it != rooms_.end() ? it->second.room : nullptr;
}

bool RoomRegistry::try_unload(const Room* room) {
  std::shared_ptr<Room> removed;  // destroyed outside the lock
  {
    std::lock_guard lock(mu_);
    const auto it = rooms_.find(room->document_id());
    if (it == rooms_.end() || it->second.room.get() != room || it->second.holders > 0) return false;
    removed = std::move(it->second.room);
    rooms_.erase(it);
  }
  services_->metrics.documents.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

std::vector<std::shared_ptr<Room>> RoomRegistry::all() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Room>> out;
  for (auto& [id, e] : rooms_) out.push_back(e.room);
  return out;
}

std::vector<std::pair<int64_t, size_t>> RoomRegistry::users() {
  std::lock_guard lock(mu_);
  std::vector<std::pair<int64_t, size_t>> out;
  for (auto& [id, e] : rooms_) out.emplace_back(id, e.room->connection_count());
  return out;
}

}  // namespace weft
