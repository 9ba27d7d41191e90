// room_registry.cpp — acquiring, releasing and unloading rooms, and the budget.
#include "server/room_registry.hpp"

#include <algorithm>

#include "server/room.hpp"

namespace weft {

std::shared_ptr<Room> RoomRegistry::acquire(int64_t document_id) {
  return acquire(document_id, false);
}

std::shared_ptr<Room> RoomRegistry::try_acquire(int64_t document_id) {
  return acquire(document_id, true);
}

std::shared_ptr<Room> RoomRegistry::acquire(int64_t document_id, bool may_refuse) {
  std::shared_ptr<Room> created;
  std::shared_ptr<Room> room;
  std::vector<std::shared_ptr<Room>> evict;
  {
    std::lock_guard lock(mu_);
    const auto it = rooms_.find(document_id);
    if (it != rooms_.end()) {
      Entry& e = it->second;
      if (e.evicting) {  // wanted again: it stays
        e.evicting = false;
        --evicting_;
      }
      ++e.holders;
      room = e.room;
    } else {
      if (!make_room(1, evict) && may_refuse) {
        services_->metrics.rooms_refused.fetch_add(1, std::memory_order_relaxed);
        room = nullptr;
      } else {
        Entry& e = rooms_[document_id];
        e.room = std::make_shared<Room>(document_id, *services_);
        e.holders = 1;
        created = room = e.room;
      }
    }
  }
  for (const auto& r : evict) r->evict();
  if (created) {
    services_->metrics.documents.fetch_add(1, std::memory_order_relaxed);
    created->start_load();
  }
  return room;
}

bool RoomRegistry::make_room(size_t adding, std::vector<std::shared_ptr<Room>>& evict) {
  const Config& config = services_->config;
  const size_t max_rooms = config.max_loaded_rooms ? config.max_loaded_rooms : SIZE_MAX;
  const int64_t max_bytes =
      config.rooms_memory_mb ? static_cast<int64_t>(config.rooms_memory_mb) << 20 : INT64_MAX;
  // With the rooms to be added: the rooms staying, and their memory.
  size_t rooms = rooms_.size() + adding - evicting_;
  int64_t bytes = services_->metrics.rooms_memory_bytes.load(std::memory_order_relaxed);
  if (rooms <= max_rooms && bytes <= max_bytes) return true;
  std::vector<Entry*> idle;
  for (auto& [id, e] : rooms_) {
    if (e.evicting) {
      bytes -= e.room->memory_estimate();
    } else if (e.holders == 0) {
      idle.push_back(&e);
    }
  }
  std::sort(idle.begin(), idle.end(),
            [](const Entry* a, const Entry* b) { return a->idle_since < b->idle_since; });
  for (Entry* e : idle) {
    if (rooms <= max_rooms && bytes <= max_bytes) break;
    e->evicting = true;
    ++evicting_;
    --rooms;
    bytes -= e->room->memory_estimate();
    evict.push_back(e->room);
  }
  return rooms <= max_rooms && bytes <= max_bytes;
}

void RoomRegistry::release(const std::shared_ptr<Room>& room) {
  bool last = false;
  std::vector<std::shared_ptr<Room>> evict;
  {
    std::lock_guard lock(mu_);
    const auto it = rooms_.find(room->document_id());
    if (it != rooms_.end() && it->second.room == room && it->second.holders > 0) {
      last = --it->second.holders == 0;
      if (last) {
        it->second.idle_since = Clock::now();
        // Rooms grow while in use; once one is idle again the budget may take the oldest.
        make_room(0, evict);
      }
    }
  }
  for (const auto& r : evict) r->evict();
  if (last) room->unload_if_idle();
}

std::shared_ptr<Room> RoomRegistry::find(int64_t document_id) {
  std::lock_guard lock(mu_);
  const auto it = rooms_.find(document_id);
  return it != rooms_.end() ? it->second.room : nullptr;
}

bool RoomRegistry::try_unload(const Room* room) {
  std::shared_ptr<Room> removed;  // destroyed outside the lock
  bool evicted = false;
  {
    std::lock_guard lock(mu_);
    const auto it = rooms_.find(room->document_id());
    if (it == rooms_.end() || it->second.room.get() != room || it->second.holders > 0) return false;
    evicted = it->second.evicting;
    if (evicted) --evicting_;
    removed = std::move(it->second.room);
    rooms_.erase(it);
  }
  services_->metrics.documents.fetch_sub(1, std::memory_order_relaxed);
  unloads_.fetch_add(1, std::memory_order_relaxed);
  if (evicted) services_->metrics.rooms_evicted.fetch_add(1, std::memory_order_relaxed);
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
