// room.cpp — joining, the y-websocket message handling, broadcast, unload and compaction.
#include "server/room.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include "protocol/messages.hpp"
#include "server/history/edits.hpp"
#include "server/room_registry.hpp"

namespace weft {

namespace asio = boost::asio;

namespace {

Frame make_frame(crdt::Bytes bytes) {
  return std::make_shared<const crdt::Bytes>(std::move(bytes));
}

// An update with no structs and no deletes: what clients send as sync step 2 when they have
// nothing the server lacks. Applying or relaying it would be wasted work.
bool empty_update(crdt::ByteView u) { return u.size() == 2 && u[0] == 0 && u[1] == 0; }

// The store's merger: the stored state plus the log, as one state and its text.
store::Merged merge_log(const std::optional<store::Bytes>& state,
                        const std::vector<store::Bytes>& updates) {
  crdt::Doc doc;
  if (state) doc.apply_update(*state);
  for (const auto& u : updates) {
    try {
      doc.apply_update(u);
    } catch (const crdt::DecodeError& e) {
      spdlog::error("compaction: skipping an undecodable stored update: {}", e.what());
    }
  }
  return {doc.encode_state_as_update(), doc.text("content")};
}

}  // namespace

Room::Room(int64_t document_id, Services& services)
    : document_id_(document_id),
      services_(services),
      strand_(asio::make_strand(services.ioc)),
      far_lane_(asio::make_strand(services.ioc)),
      grace_timer_(strand_),
      presence_timer_(strand_),
      history_timer_(strand_) {}

Room::~Room() = default;

void Room::start_load() {
  auto self = shared_from_this();
  services_.cluster.subscribe(document_id_);
  if (is_project()) {  // made afresh: nothing is stored
    asio::post(strand_, [self] {
      self->on_loaded(
          store::StoredDocument{.id = self->document_id_, .yjs_state = {}, .updates = {}}, "");
    });
    return;
  }
  asio::post(services_.blocking, [self] {
    std::optional<store::StoredDocument> stored;
    std::string error;
    try {
      stored = self->services_.store.load(self->document_id_);
    } catch (const std::exception& e) {
      error = e.what();
    }
    asio::post(self->strand_,
               [self, stored = std::move(stored), error = std::move(error)]() mutable {
                 self->on_loaded(std::move(stored), std::move(error));
               });
  });
}

void Room::on_loaded(std::optional<store::StoredDocument> stored, std::string error) {
  if (state_ == State::kGone) return;  // deleted while loading
  if (!error.empty() || !stored) {
    backlog_.clear();
    if (error.empty()) {  // deleted between the access check and the load
      mark_gone("no such document");
      return;
    }
    spdlog::error("document {}: loading failed: {}", document_id_, error);
    state_ = State::kFailed;
    close_all(1011, "document could not be loaded");
    for (auto& op : std::exchange(waiting_, {})) op();
    return;
  }
  size_t bad = 0;
  if (stored->yjs_state) {
    try {
      doc_.apply_update(*stored->yjs_state);
    } catch (const crdt::DecodeError&) {
      ++bad;
    }
  }
  for (const auto& u : stored->updates) {
    try {
      doc_.apply_update(u);
    } catch (const crdt::DecodeError&) {
      ++bad;
    }
  }
  if (bad) spdlog::error("document {}: {} stored updates could not be decoded", document_id_, bad);
  doc_bytes_ = stored->yjs_state ? stored->yjs_state->size() : 0;
  for (const auto& u : stored->updates) doc_bytes_ += u.size();
  logged_since_compaction_ = stored->updates.size();
  state_ = State::kReady;
  doc_changed();
  spdlog::debug("document {} loaded ({} logged updates)", document_id_, stored->updates.size());
  for (auto& [ptr, m] : members_) welcome(m);
  auto backlog = std::move(backlog_);
  for (auto& p : backlog) {
    received_at_ = p.at;
    handle(p.conn, p.frame);
  }
  for (auto& op : std::exchange(waiting_, {})) op();
  // Other instances may hold edits not yet in the store: ask them (anti-entropy).
  outbox(PartKind::kSyncRequest, doc_.encode_state_vector());
  if (members_.empty()) schedule_unload();
}

void Room::welcome(Member& m) {
  m.conn->send(make_frame(protocol::encode_sync_step1(doc_.encode_state_vector())));
  if (awareness_.size() > 0)
    m.conn->send(make_frame(protocol::encode_awareness(awareness_.encode_all())));
}

void Room::join(std::shared_ptr<Connection> conn) {
  asio::post(strand_, [self = shared_from_this(), conn = std::move(conn)] {
    if (self->shutting_down_) {
      conn->close(close_code::kServiceRestart, "server restarting");
      return;
    }
    if (self->state_ == State::kFailed) {
      conn->close(1011, "document could not be loaded");
      return;
    }
    if (self->state_ == State::kGone) {
      conn->close(close_code::kNotFound, "document deleted");
      return;
    }
    self->grace_timer_.cancel();
    self->evict_requested_ = false;
    Member& m = self->members_[conn.get()];
    m.conn = conn;
    m.far = (self->joins_++ & 1) != 0;
    self->connection_count_.store(self->members_.size(), std::memory_order_relaxed);
    if (self->state_ == State::kReady) self->welcome(m);
  });
}

void Room::leave(std::shared_ptr<Connection> conn) {
  asio::post(strand_, [self = shared_from_this(), conn = std::move(conn)] {
    const auto it = self->members_.find(conn.get());
    if (it == self->members_.end()) return;
    self->members_.erase(it);
    self->connection_count_.store(self->members_.size(), std::memory_order_relaxed);
    self->remove_presence_of({conn.get(), {}}, true);
    if (self->members_.empty()) self->schedule_unload();
  });
}

void Room::receive(std::shared_ptr<Connection> conn, Frame frame) {
  const auto at = std::chrono::steady_clock::now();
  asio::post(strand_,
             [self = shared_from_this(), conn = std::move(conn), frame = std::move(frame), at] {
               if (self->state_ == State::kLoading) {
                 self->backlog_.push_back({conn, frame, at});
               } else if (self->state_ == State::kReady) {
                 self->received_at_ = at;
                 self->handle(conn, frame);
               }
             });
}

void Room::handle(const std::shared_ptr<Connection>& conn, const Frame& frame) {
  const auto it = members_.find(conn.get());
  if (it == members_.end()) return;  // already left
  Member& m = it->second;
  protocol::Message msg;
  try {
    msg = protocol::decode_message(*frame);
  } catch (const protocol::ProtocolError& e) {
    services_.metrics.rejected_messages.fetch_add(1, std::memory_order_relaxed);
    conn->close(e.unsupported() ? close_code::kUnsupported : close_code::kProtocolError, e.what());
    return;
  }
  try {
    if (const auto* step1 = std::get_if<protocol::SyncStep1>(&msg)) {
      const Frame reply = step2_for(step1->state_vector);
      if (!m.synced) {
        m.synced = true;
        if (!crdt::decode_state_vector(step1->state_vector).empty()) {
          services_.metrics.reconnects.fetch_add(1, std::memory_order_relaxed);
        }
      }
      conn->send(reply);
    } else if (const auto* step2 = std::get_if<protocol::SyncStep2>(&msg)) {
      // Relayed to the others as a plain update carrying the same bytes.
      apply_update(conn, step2->update, nullptr);
    } else if (const auto* update = std::get_if<protocol::SyncUpdate>(&msg)) {
      apply_update(conn, update->update, frame);
    } else if (const auto* aw = std::get_if<protocol::AwarenessUpdate>(&msg)) {
      // Every newcomer receives every state, so one client's huge "cursor" would cost everyone.
      if (const size_t limit = services_.config.max_awareness_bytes;
          limit != 0 && protocol::Awareness::largest_state(aw->update) > limit) {
        services_.metrics.awareness_refused_too_large.fetch_add(1, std::memory_order_relaxed);
        conn->close(close_code::kTooLarge,
                    "awareness state larger than " + std::to_string(limit) + " bytes");
        return;
      }
      const protocol::Awareness::Change change = awareness_.apply(aw->update);
      // A sender behind a removal learns of it; its provider then re-announces at a newer clock.
      if (!change.behind.empty())
        conn->send(make_frame(protocol::encode_awareness(awareness_.encode(change.behind))));
      own_presence(change, {conn.get(), {}});
      if (change.empty()) return;
      relay_presence(change, frame, conn.get(), true);
      // Alone with its presence, a client hears nothing else: its own heartbeat (every 15 s) is
      // then the only message that keeps y-websocket's 30 s liveness rule satisfied. With anyone
      // else's state in the room, their heartbeats do that and nothing is echoed.
      if (m.presence == awareness_.size()) conn->send(frame);
    } else if (std::holds_alternative<protocol::QueryAwareness>(msg)) {
      conn->send(make_frame(protocol::encode_awareness(awareness_.encode_all())));
    }
  } catch (const crdt::DecodeError& e) {
    services_.metrics.rejected_messages.fetch_add(1, std::memory_order_relaxed);
    conn->close(close_code::kProtocolError, std::string("malformed payload: ") + e.what());
  }
}

void Room::apply_update(const std::shared_ptr<Connection>& conn, crdt::ByteView update,
                        const Frame& relay) {
  if (empty_update(update)) return;
  if (conn->role() == Role::kViewer) {
    if (!is_project())  // a project room's clients all send what they hold, and are all read-only
      services_.metrics.viewer_updates_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (!fits(update)) {
    services_.metrics.updates_refused_too_large.fetch_add(1, std::memory_order_relaxed);
    conn->close(close_code::kTooLarge, "the document would grow beyond " +
                                           std::to_string(services_.config.max_document_bytes) +
                                           " bytes");
    return;
  }
  // An update whose delete set covers most of the text may be a select-all-delete: the state
  // before it is kept, and becomes the "oops" version if the text really shrank by more than half
  // (a sync step 2 carries the whole delete set of its sender and usually deletes nothing new).
  const uint64_t length_before = doc_.text_length("content");
  std::optional<PendingCapture> before;
  if (removes_most(update)) before = state_for_capture();
  const auto t0 = std::chrono::steady_clock::now();
  const crdt::Applied applied = doc_.apply_update(update);  // throws DecodeError, changing nothing
  const uint64_t length_after = doc_.text_length("content");
  if (before && length_after * 2 < length_before) store_capture("oops", std::nullopt, *before, {});
  // A live update (sync update) is its sender's typing; a sync step 2 counts when it changed the
  // text (offline edits, text typed while read-only), not when it repeats what the room has.
  if (relay || length_after != length_before) {
    uint64_t inserted = 0;
    for (const auto& [client, clocks] : applied.added) inserted += clocks;
    note_edit(conn->user_id(), inserted, applied.deleted);
  }
  attribute(conn->user_id(), applied);
  if (changes(applied)) doc_changed();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
  services_.metrics.update_apply_seconds.observe(took.count());
  services_.metrics.updates_applied.fetch_add(1, std::memory_order_relaxed);
  publish(update, relay, conn.get());
}

// A sync step 2 from a client that has nothing new (every joiner sends one) or an update the room
// already has changes nothing: the cached answers stay. Pending structs are part of what
// encode_state_as_update answers, so while any are pending every update counts as a change.
bool Room::changes(const crdt::Applied& applied) const {
  return !applied.added.empty() || applied.deleted != 0 || doc_.has_pending();
}

Frame Room::step2_for(crdt::ByteView state_vector) {
  for (const auto& [sv, frame] : step2_cache_) {
    if (std::equal(sv.begin(), sv.end(), state_vector.begin(), state_vector.end())) {
      services_.metrics.sync_step2_reused.fetch_add(1, std::memory_order_relaxed);
      return frame;
    }
  }
  Frame frame = make_frame(protocol::encode_sync_step2(doc_.encode_state_as_update(state_vector)));
  if (step2_cache_.size() == kStep2Cache) step2_cache_.erase(step2_cache_.begin());
  step2_cache_.emplace_back(crdt::Bytes(state_vector.begin(), state_vector.end()), frame);
  return frame;
}

bool Room::fits(crdt::ByteView update) {
  const size_t limit = services_.config.max_document_bytes;
  if (limit == 0) return true;
  if (doc_bytes_ + update.size() > limit) {
    doc_bytes_ = doc_.encode_state_as_update().size();  // the bound was loose: measure
    if (doc_bytes_ + update.size() > limit) return false;
  }
  doc_bytes_ += update.size();
  return true;
}

void Room::publish(crdt::ByteView update, const Frame& relay, const Connection* origin) {
  // A client's live update (relayed as it came) is what weft_fanout_seconds times.
  if (relay) {
    broadcast(relay, origin, received_at_);
  } else {
    broadcast(make_frame(protocol::encode_sync_update(update)), origin);
  }
  outbox(PartKind::kUpdate, update);
  if (is_project()) return;
  services_.persister.enqueue(document_id_,
                              std::make_shared<const store::Bytes>(update.begin(), update.end()));
  if (++logged_since_compaction_ >= services_.config.compact_threshold && !compacting_)
    compact(nullptr);
}

void Room::close_all(uint16_t code, const std::string& reason) {
  for (auto& [ptr, m] : members_) m.conn->close(code, reason);
}

void Room::when_loaded(std::function<void()> op) {
  asio::post(strand_, [self = shared_from_this(), op = std::move(op)]() mutable {
    if (self->state_ == State::kLoading) {
      self->waiting_.push_back(std::move(op));
    } else {
      op();
    }
  });
}

void Room::read_text(std::function<void(std::optional<std::string>)> done) {
  when_loaded([self = shared_from_this(), done = std::move(done)] {
    if (self->state_ != State::kReady) return done(std::nullopt);
    done(self->doc_.text("content"));
  });
}

void Room::replace_text(std::string text, int64_t user_id, std::function<void(bool)> done) {
  when_loaded([self = shared_from_this(), text = std::move(text), user_id, done = std::move(done)] {
    if (self->state_ != State::kReady) return done(false);
    // The text the PUT replaces is captured first. The answer waits for both the new text and
    // that version being stored (on the blocking pool), so that a versions list right after the
    // PUT has it.
    const auto left = std::make_shared<std::atomic<int>>(2);
    const auto finish = [left, done] {
      if (left->fetch_sub(1, std::memory_order_acq_rel) == 1) done(true);
    };
    self->capture("replace", std::nullopt,
                  [finish](const std::optional<store::Version>&) { finish(); });
    self->replace_now(crdt::utf8_to_utf16(text), user_id, nullptr);
    finish();
  });
}

void Room::replace_now(const std::u16string& after, int64_t user_id,
                       const std::vector<history::BlameRun>* origins) {
  const std::u16string before = doc_.text16("content");
  const history::Splice splice = history::minimal_splice(before, after);
  const size_t prefix = splice.prefix;
  const size_t removed = splice.removed;
  const std::u16string_view inserted = splice.inserted;
  // The edit is made as the user's own client, so that history knows it is theirs.
  if (user_id != 0) doc_.set_client_id(rest_client(user_id));
  const uint64_t client = doc_.client_id();
  const uint64_t first_clock = crdt::state_of(doc_.state_vector(), client);
  const crdt::Bytes update = doc_.transact([&](crdt::Transaction& tr) {
    if (removed > 0) doc_.delete_text(tr, "content", prefix, removed);
    if (!inserted.empty()) doc_.insert_text(tr, "content", prefix, inserted);
  });
  if (update.empty()) return;
  doc_changed();
  services_.metrics.updates_applied.fetch_add(1, std::memory_order_relaxed);
  publish(update, nullptr, nullptr);
  note_edit(user_id, inserted.size(), removed);
  crdt::Applied applied{.added = {}, .deleted = removed, .known = 0, .before = {}};
  if (!inserted.empty()) applied.added.emplace_back(client, inserted.size());
  attribute(user_id, applied);
  if (origins && !inserted.empty()) {
    alias(history::aliases_for(*origins, prefix, inserted.size(), client, first_clock));
  }
}

void Room::touch_tree() {
  when_loaded([self = shared_from_this()] {
    if (self->state_ != State::kReady) return;
    // A new token replaces the old one: the text stays a few bytes however often the tree
    // changes (what is deleted merges into one deleted struct per writer).
    const std::string token = std::to_string(++self->tree_touches_);
    const uint64_t length = self->doc_.text_length("tree");
    const crdt::Bytes update = self->doc_.transact([&](crdt::Transaction& tr) {
      if (length > 0) self->doc_.delete_text(tr, "tree", 0, length);
      self->doc_.insert_text(tr, "tree", 0, crdt::utf8_to_utf16(token));
    });
    if (update.empty()) return;
    self->doc_changed();
    self->publish(update, nullptr, nullptr);
  });
}

void Room::rejoin_all() {
  asio::post(strand_, [self = shared_from_this()] {
    self->close_all(close_code::kServiceRestart, "access changed: connect again");
  });
}

void Room::set_access(int64_t user_id, std::optional<Role> role) {
  asio::post(strand_,
             [self = shared_from_this(), user_id, role] { self->apply_access(user_id, role); });
}

void Room::apply_access(int64_t user_id, std::optional<Role> role) {
  for (auto& [ptr, m] : members_) {
    if (m.conn->user_id() != user_id) continue;
    if (role) {
      const Role before = m.conn->role();
      m.conn->set_role(*role);
      // Write access is back: whatever the client typed while read-only was dropped here, and
      // its later edits depend on it (they would wait as pending structs until a reconnect).
      // Asking for what the room lacks (sync step 1, answered with the client's step 2) merges
      // it now, exactly as a reconnect would.
      if (before == Role::kViewer && *role != Role::kViewer && state_ == State::kReady)
        m.conn->send(make_frame(protocol::encode_sync_step1(doc_.encode_state_vector())));
    } else {
      m.conn->close(close_code::kForbidden, "access revoked");
    }
  }
}

void Room::sign_out(SignOut s) {
  asio::post(strand_, [self = shared_from_this(), s] {
    for (auto& [ptr, m] : self->members_) {
      if (s.covers(m.conn->user_id(), m.conn->sign_in_id()))
        m.conn->close(close_code::kUnauthorized, "signed out");
    }
  });
}

void Room::remove() {
  asio::post(strand_, [self = shared_from_this()] {
    self->mark_gone(self->is_project() ? "project deleted" : "document deleted");
  });
}

void Room::mark_gone(const std::string& reason) {
  state_ = State::kGone;
  backlog_.clear();
  close_all(close_code::kNotFound, reason);
  for (auto& op : std::exchange(waiting_, {})) op();
}

// Copies `data` only when there are other instances to send it to: on a single instance this is
// the hot path of every update and must cost nothing.
void Room::outbox(PartKind kind, crdt::ByteView data) {
  if (!services_.cluster.enabled()) return;
  if (outbox_.empty()) {
    asio::post(strand_, [self = shared_from_this()] {
      self->services_.cluster.publish(self->document_id_, std::exchange(self->outbox_, {}));
    });
  }
  outbox_.push_back({kind, crdt::Bytes(data.begin(), data.end())});
}

void Room::on_bus(Envelope envelope) {
  when_loaded([self = shared_from_this(), e = std::move(envelope)]() mutable {
    if (self->state_ != State::kReady) return;
    for (Part& part : e.parts) self->apply_bus_part(e.instance, part);
  });
}

void Room::apply_bus_part(const std::string& instance, Part& part) {
  try {
    switch (part.kind) {
      case PartKind::kUpdate:
        if (empty_update(part.data)) return;
        {
          const crdt::Applied applied = doc_.apply_update(part.data);
          attribute(0, applied);
          const bool changed = changes(applied);
          if (changed) doc_changed();
          note_edit(0, 0, 0);
          relay_bus_update(part.data, applied, changed);
        }
        repair_if_pending();
        return;
      case PartKind::kAwareness: {
        const protocol::Awareness::Change change = awareness_.apply(part.data);
        own_presence(change, {nullptr, instance});
        if (change.empty()) return;
        relay_presence(change, make_frame(protocol::encode_awareness(part.data)), nullptr, false);
        return;
      }
      case PartKind::kSyncRequest:
      case PartKind::kSyncReply: {
        crdt::Bytes missing = doc_.encode_state_as_update(part.data);
        if (!empty_update(missing)) outbox(PartKind::kUpdate, missing);
        if (part.kind == PartKind::kSyncRequest)
          outbox(PartKind::kSyncReply, doc_.encode_state_vector());
        return;
      }
      case PartKind::kRemoved:
        mark_gone("document deleted");
        return;
      case PartKind::kAccess: {
        const auto [user, role] = decode_access(part.data);
        apply_access(user, role);
        return;
      }
      case PartKind::kTreeChanged:
        if (is_project()) touch_tree();
        return;
      case PartKind::kRejoin:
        if (is_project()) close_all(close_code::kServiceRestart, "access changed: connect again");
        return;
      default:
        return;  // a newer instance's part kind
    }
  } catch (const crdt::DecodeError& e) {
    spdlog::warn("document {}: malformed bus part from {}: {}", document_id_, instance, e.what());
  }
}

// What the clients hear of an update from another instance. Usually all of it is new. But the
// answer to a sync request (after a Redis reconnect, or a repair) repeats whatever was published
// live between the request and the answer, and the clients got those already: they are sent only
// what the doc gained, so no edit reaches a client twice. Deletions stay whole in the cut (Yjs
// keeps no per-delete clock; a repeated one changes nothing), and so do structs left pending.
void Room::relay_bus_update(crdt::ByteView update, const crdt::Applied& applied, bool changed) {
  if (applied.known == 0) {
    broadcast(make_frame(protocol::encode_sync_update(update)), nullptr);
    return;
  }
  services_.metrics.bus_updates_overlapping.fetch_add(1, std::memory_order_relaxed);
  if (!changed) return;  // nothing in it the clients lack
  const crdt::Bytes gained = crdt::diff_update(update, crdt::encode_state_vector(applied.before));
  broadcast(make_frame(protocol::encode_sync_update(gained)), nullptr);
}

// Bus delivery is at most once: a message published while this room's subscription was being set
// up, or while a Redis shard failed over, is gone, and Yjs keeps every later update that builds on
// it pending — the room would drift apart from the other instances until the next reconnect. So an
// update that leaves something pending asks the peers for what this room lacks, at most once per
// kRepairEvery (each later update that still leaves something pending asks again).
void Room::repair_if_pending() {
  if (!doc_.has_pending()) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_repair_ < kRepairEvery) return;
  last_repair_ = now;
  services_.metrics.bus_repairs.fetch_add(1, std::memory_order_relaxed);
  outbox(PartKind::kSyncRequest, doc_.encode_state_vector());
}

void Room::request_sync() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->state_ == State::kReady)
      self->outbox(PartKind::kSyncRequest, self->doc_.encode_state_vector());
  });
}

void Room::forget_instance(std::string instance) {
  asio::post(strand_, [self = shared_from_this(), instance = std::move(instance)] {
    self->remove_presence_of({nullptr, instance}, false);
  });
}

std::vector<uint64_t> Room::applied(const protocol::Awareness::Change& change) {
  std::vector<uint64_t> ids = change.added;
  ids.insert(ids.end(), change.updated.begin(), change.updated.end());
  ids.insert(ids.end(), change.removed.begin(), change.removed.end());
  return ids;
}

void Room::own_presence(const protocol::Awareness::Change& change, const PresenceOwner& owner) {
  const auto claim = [&](uint64_t client) {
    auto [it, inserted] = presence_owner_.try_emplace(client, owner);
    if (!inserted) {
      if (it->second.conn == owner.conn && it->second.instance == owner.instance) return;
      if (const auto prev = members_.find(it->second.conn); prev != members_.end())
        --prev->second.presence;
      it->second = owner;
    }
    if (const auto m = members_.find(owner.conn); m != members_.end()) ++m->second.presence;
  };
  for (const uint64_t client : change.added) claim(client);
  for (const uint64_t client : change.updated) claim(client);
  for (const uint64_t client : change.removed) {
    const auto it = presence_owner_.find(client);
    if (it == presence_owner_.end()) continue;
    if (const auto m = members_.find(it->second.conn); m != members_.end()) --m->second.presence;
    presence_owner_.erase(it);
  }
}

void Room::relay_presence(const protocol::Awareness::Change& change, const Frame& frame,
                          const Connection* origin, bool publish) {
  // Other instances get only what was applied here: entries this room refused (a provider
  // repeating a state it received, a sender behind a removal) would make their receiver record
  // this instance as the owner of a state that is not its clients'.
  publish = publish && services_.cluster.enabled();
  if (!presence_timer_armed_) {
    broadcast(frame, origin);
    if (publish) outbox(PartKind::kAwareness, awareness_.encode(applied(change)));
    presence_timer_armed_ = true;
    arm_presence_tick();
    return;
  }
  const std::vector<uint64_t> ids = applied(change);
  presence_dirty_.insert(presence_dirty_.end(), ids.begin(), ids.end());
  if (publish) presence_dirty_bus_.insert(presence_dirty_bus_.end(), ids.begin(), ids.end());
  services_.metrics.awareness_coalesced.fetch_add(1, std::memory_order_relaxed);
}

// One merged presence message: to each member all of `ids` (sorted) but the states it owns
// itself — nobody is sent their own state back, as with a change relayed on its own. Members that
// own none of them share one frame.
void Room::send_presence(const std::vector<uint64_t>& ids) {
  std::unordered_map<const Connection*, std::vector<uint64_t>> own;
  for (const uint64_t id : ids) {
    const auto it = presence_owner_.find(id);
    if (it != presence_owner_.end() && it->second.conn != nullptr)
      own[it->second.conn].push_back(id);
  }
  const Frame common = make_frame(protocol::encode_awareness(awareness_.encode(ids)));
  if (own.empty()) return broadcast(common, nullptr);
  for (auto& [ptr, m] : members_) {
    const auto mine = own.find(ptr);
    if (mine == own.end()) {
      m.conn->send(common);
      continue;
    }
    std::vector<uint64_t> rest;
    std::set_difference(ids.begin(), ids.end(), mine->second.begin(), mine->second.end(),
                        std::back_inserter(rest));
    if (!rest.empty())
      m.conn->send(make_frame(protocol::encode_awareness(awareness_.encode(rest))));
  }
}

// The end of a presence tick: what changed during it, each client's latest state once (read
// from the room's states, so a removal made meanwhile is sent as the removal it is). Re-armed
// while changes keep coming; a quiet tick ends the storm, and the next change goes out at once.
void Room::presence_tick() {
  if (presence_dirty_.empty() && presence_dirty_bus_.empty()) {
    presence_timer_armed_ = false;
    return;
  }
  const auto unique = [](std::vector<uint64_t>& ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  };
  if (!presence_dirty_.empty()) {
    unique(presence_dirty_);
    send_presence(presence_dirty_);
    presence_dirty_.clear();
  }
  if (!presence_dirty_bus_.empty()) {
    unique(presence_dirty_bus_);
    outbox(PartKind::kAwareness, awareness_.encode(presence_dirty_bus_));
    presence_dirty_bus_.clear();
  }
  arm_presence_tick();
}

void Room::arm_presence_tick() {
  presence_timer_.expires_after(std::chrono::milliseconds(services_.config.presence_tick_ms));
  presence_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->presence_tick();
  });
}

void Room::remove_presence_of(const PresenceOwner& owner, bool publish_removal) {
  std::vector<uint64_t> clients;
  for (auto it = presence_owner_.begin(); it != presence_owner_.end();) {
    if (it->second.conn == owner.conn && it->second.instance == owner.instance) {
      clients.push_back(it->first);
      it = presence_owner_.erase(it);
    } else {
      ++it;
    }
  }
  if (const auto m = members_.find(owner.conn); m != members_.end()) m->second.presence = 0;
  const crdt::Bytes removal = awareness_.remove(clients);
  if (removal.empty()) return;
  broadcast(make_frame(protocol::encode_awareness(removal)), nullptr);
  if (publish_removal) outbox(PartKind::kAwareness, removal);
}

void Room::detach_all() {
  members_.clear();
  backlog_.clear();
  waiting_.clear();
  outbox_.clear();
  captures_.clear();
  connection_count_.store(0, std::memory_order_relaxed);
}

void Room::unload_if_idle() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->members_.empty() && self->state_ != State::kLoading) self->schedule_unload();
  });
}

// Each send is one sendmsg on this thread (WsSession::send), about 5–10 µs on loopback. A large
// room splits the fan-out in two lanes so a second core writes half of it: the far members'
// sends run on far_lane_, a strand of its own, so every receiver still gets the broadcasts in
// order (only a direct answer from the room, such as a sync step 2, may overtake a broadcast
// queued on the far lane — Yjs updates and awareness clocks make that harmless).
void Room::broadcast(const Frame& frame, const Connection* except,
                     std::optional<std::chrono::steady_clock::time_point> since) {
  // Nobody else to write to: no fan-out to time.
  const size_t receivers = members_.size() - (members_.count(except) ? 1 : 0);
  if (receivers == 0) since.reset();
  // Once a room has used the lanes it keeps them while loaded: a far member switching back to
  // direct sends could get a broadcast before an earlier one still queued on the far lane.
  if (members_.size() >= kLaneThreshold) two_lanes_ = true;
  if (!two_lanes_) {
    for (auto& [ptr, m] : members_) {
      if (ptr != except) m.conn->send(frame);
    }
    if (since) {
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - *since;
      services_.metrics.fanout_seconds.observe(took.count());
    }
    return;
  }
  // Two lanes: whichever finishes last observes the fan-out.
  std::shared_ptr<std::atomic<int>> lanes_left;
  if (since) lanes_left = std::make_shared<std::atomic<int>>(2);
  Metrics& metrics = services_.metrics;
  const auto lane_done = [&metrics, since, lanes_left] {
    if (!lanes_left || lanes_left->fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - *since;
    metrics.fanout_seconds.observe(took.count());
  };
  auto far = std::make_shared<std::vector<std::shared_ptr<Connection>>>();
  far->reserve(members_.size() / 2 + 1);
  for (auto& [ptr, m] : members_) {
    if (ptr != except && m.far) far->push_back(m.conn);
  }
  asio::post(far_lane_, [far, frame, lane_done] {
    for (const auto& conn : *far) conn->send(frame);
    lane_done();
  });
  for (auto& [ptr, m] : members_) {
    if (ptr != except && !m.far) m.conn->send(frame);
  }
  lane_done();
}

void Room::evict() {
  asio::post(strand_, [self = shared_from_this()] {
    if (!self->members_.empty() || self->shutting_down_) return;
    self->evict_requested_ = true;
    if (self->state_ == State::kLoading) return;  // on_loaded schedules the unload
    self->grace_timer_.cancel();
    self->unload();
  });
}

void Room::schedule_unload() {
  if (shutting_down_) return;
  if (evict_requested_) return unload();
  grace_timer_.expires_after(std::chrono::milliseconds(services_.config.room_grace_ms));
  grace_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    self->unload();
  });
}

void Room::unload() {
  if (!members_.empty() || shutting_down_ || unloaded_) return;
  history_timer_.cancel();
  if (edited_ && state_ == State::kReady && services_.config.history_quiet_ms)
    capture("auto", std::nullopt, nullptr);
  compact([self = shared_from_this()] {
    if (self->members_.empty() && !self->unloaded_ &&
        self->services_.rooms.try_unload(self.get())) {
      self->unloaded_ = true;
      self->services_.metrics.rooms_memory_bytes.fetch_sub(self->memory_.exchange(0),
                                                           std::memory_order_relaxed);
      self->services_.cluster.unsubscribe(self->document_id_);
      spdlog::debug("document {} unloaded{}", self->document_id_,
                    self->evict_requested_ ? " (the room budget is full)" : "");
    }
  });
}

void Room::doc_changed() {
  step2_cache_.clear();
  if (unloaded_) return;
  constexpr int64_t kStructBytes = sizeof(crdt::Item) + 16 + sizeof(void*);
  const int64_t estimate =
      static_cast<int64_t>(doc_.struct_count()) * kStructBytes +
      2 * static_cast<int64_t>(doc_.text_length("content") + doc_.text_length("tree"));
  const int64_t before = memory_.exchange(estimate, std::memory_order_relaxed);
  services_.metrics.rooms_memory_bytes.fetch_add(estimate - before, std::memory_order_relaxed);
}

void Room::compact(std::function<void()> then) {
  if (is_project()) {  // nothing stored
    if (then) asio::post(strand_, std::move(then));
    return;
  }
  compacting_ = true;
  logged_since_compaction_ = 0;
  // With other instances, this room may hold edits that only reached it over the bus (their
  // instance stores them, unless it crashed first): merging the room's own state into the stored
  // one keeps them. Merging is idempotent, so what is stored twice costs nothing.
  std::optional<crdt::Bytes> snapshot;
  if (services_.cluster.enabled() && state_ == State::kReady)
    snapshot = doc_.encode_state_as_update();
  asio::post(services_.blocking,
             [self = shared_from_this(), then = std::move(then), snapshot = std::move(snapshot)] {
               try {
                 if (!self->services_.persister.flush())
                   throw std::runtime_error("pending updates not yet stored");
                 const size_t merged = self->services_.store.compact(
                     self->document_id_, [&snapshot](const std::optional<store::Bytes>& state,
                                                     const std::vector<store::Bytes>& updates) {
                       if (!snapshot) return merge_log(state, updates);
                       std::vector<store::Bytes> all = updates;
                       all.push_back(*snapshot);
                       return merge_log(state, all);
                     });
                 if (merged)
                   self->services_.metrics.compactions.fetch_add(1, std::memory_order_relaxed);
               } catch (const std::exception& e) {
                 spdlog::error("document {}: compaction failed: {}", self->document_id_, e.what());
               }
               asio::post(self->strand_, [self, then] {
                 self->compacting_ = false;
                 if (then) then();
               });
             });
}

void Room::shutdown(std::function<void()> done) {
  asio::post(strand_, [self = shared_from_this(), done = std::move(done)] {
    self->shutting_down_ = true;
    self->grace_timer_.cancel();
    self->history_timer_.cancel();
    if (self->edited_ && self->state_ == State::kReady && self->services_.config.history_quiet_ms)
      self->capture("auto", std::nullopt, nullptr);
    for (auto& [ptr, m] : self->members_)
      m.conn->close(close_code::kServiceRestart, "server restarting");
    if (self->state_ != State::kReady) {
      done();
      return;
    }
    self->compact([done] { done(); });
  });
}

}  // namespace weft
