// room.hpp — one loaded document and the connections editing it.
//
// A project's live channel is a room too (a "project room", keyed by the project's id negated,
// `/ws/projects/<id>`): its document is not stored but made afresh at each load, and its only
// writer is the server, which rewrites its one text (`tree`) after every change of the project's
// tree (touch_tree) so that everyone in the project hears of it — on every instance, over the bus
// like any update — and asks for the tree again; the awareness of its connections is who is in
// the project and in which file. Its connections are read-only; nothing of it is stored, versioned
// or compacted.
//
// Everything a room owns (the crdt::Doc, awareness, the connection set) is touched only on the
// room's strand, so rooms never lock and different documents proceed in parallel on all cores.
// The broadcast path: a client's update frame is applied to the doc, then the same immutable
// buffer (shared_ptr, never copied per receiver) is queued on every other connection and handed
// to the persister. Loading and compaction run on the blocking pool and post back to the strand.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "crdt/doc.hpp"
#include "protocol/awareness.hpp"
#include "server/cluster.hpp"
#include "server/connection.hpp"
#include "server/history/blame.hpp"
#include "server/services.hpp"
#include "store/history.hpp"

namespace weft {

class Room : public std::enable_shared_from_this<Room> {
 public:
  Room(int64_t document_id, Services& services);
  ~Room();

  int64_t document_id() const { return document_id_; }
  // The room key of project `id`'s live channel, and whether a key is one.
  static int64_t project_key(int64_t project_id) { return -project_id; }
  bool is_project() const { return document_id_ < 0; }

  // All three may be called from any thread; they run on the room's strand.
  void join(std::shared_ptr<Connection> conn);
  void leave(std::shared_ptr<Connection> conn);
  void receive(std::shared_ptr<Connection> conn, Frame frame);

  // Loads the document from the store (called once, by the registry, right after creation).
  void start_load();

  // The live text of `content`, once loaded (nullopt if the document could not be loaded or is
  // gone). `done` runs on the room's strand.
  void read_text(std::function<void(std::optional<std::string>)> done);
  // Turns the text into `text` with one minimal edit (the common prefix and suffix stay), applied
  // like a client's update: broadcast to every connection and stored. `done(false)` when the
  // document could not be loaded or is gone.
  // `user_id` made the edit (0: nobody in particular); it counts as theirs in the history.
  void replace_text(std::string text, int64_t user_id, std::function<void(bool)> done);
  // Project rooms: the project's tree changed; everyone connected (here and, over the bus, on the
  // other instances) receives an update of the `tree` text.
  void touch_tree();
  // Project rooms: whether a user may be in the project changed in a way the room cannot follow
  // user by user (the project became private): every connection is closed with 1012, so that
  // y-websocket reconnects at once and each connection is authorized again.
  void rejoin_all();
  // After a change of permissions: `user_id`'s connections get `role`, or are closed with 4403
  // when the user lost access (nullopt).
  void set_access(int64_t user_id, std::optional<Role> role);
  // A user's tokens were revoked (Cluster::sign_out): the connections `s` covers are closed with
  // 4401.
  void sign_out(SignOut s);
  // The document was deleted: every connection is closed with 4404, later joins too, and nothing
  // more is applied or stored.
  void remove();
  // A message from another instance (Cluster routes it here).
  void on_bus(Envelope envelope);
  // Asks the other instances for what this room lacks (after a bus reconnect).
  void request_sync();
  // Another instance left or died: remove the presence of its clients.
  void forget_instance(std::string instance);
  // Forgets every connection and pending operation, without closing anything. Only once the
  // event loop has stopped (shutdown): it touches the room's state off its strand.
  void detach_all();
  // Schedules the unload if nobody is connected (after a holder that is not a connection, such as
  // an API edit, let go).
  void unload_if_idle();
  // The budget wants this idle room gone (RoomRegistry): it is stored and unloaded now, without
  // the grace, unless someone joined meanwhile.
  void evict();
  // What the room's document takes in memory, estimated (see doc_changed): the --rooms-memory-mb
  // budget counts it. Any thread.
  int64_t memory_estimate() const { return memory_.load(std::memory_order_relaxed); }
  // Closes every connection with 1001, stores everything and compacts; then calls `done`.
  void shutdown(std::function<void()> done);

  // ---- History (room_history.cpp) ----
  // Captures the current state as a version (`kind`: named, restore, …) once loaded; `done` gets
  // the version (a new one, or the head when the state is the head's), or nullopt when the
  // document is gone or the store failed. `done` runs on the blocking pool.
  using VersionDone = std::function<void(std::optional<store::Version>)>;
  void capture_version(std::string kind, std::optional<std::string> name, int64_t user_id,
                       VersionDone done);
  // Restores the text of version `version_id` as one edit by `user_id`, live for everyone, after
  // capturing the current state (kind "restore"). `done` gets that captured version, or nullopt
  // (no such version, document gone, store failure); it runs on the room's strand.
  void restore_version(int64_t version_id, int64_t user_id, VersionDone done);
  // What blame needs of the live text, once loaded: its runs, and the users and last edits of the
  // clients this room has seen (the store's document_clients has the rest). nullopt when the
  // document could not be loaded or is gone. `done` runs on the room's strand.
  void read_blame(std::function<void(std::optional<history::BlameSource>)> done);

  // Connections currently joined (read from any thread, for metrics).
  size_t connection_count() const { return connection_count_.load(std::memory_order_relaxed); }

 private:
  enum class State { kLoading, kReady, kFailed, kGone };
  // From this many members on, a broadcast is written by two lanes (broadcast()).
  static constexpr size_t kLaneThreshold = 64;

  struct Member {
    std::shared_ptr<Connection> conn;
    size_t presence = 0;  // awareness states this connection owns (presence_owner_)
    bool synced = false;  // has sent its first sync step 1
    bool far = false;     // in a large room, written by the second fan-out lane (see broadcast)
  };

  // Who owns each awareness state held in awareness_: the local connection or the other instance
  // whose announcement of it was last applied. (Not one that merely repeats it: y-websocket
  // providers send back every state they receive, at its clock.) A state is removed for
  // everyone when its owner goes, so no state of a closed connection survives, and a client id
  // that moved to a new connection (a reconnect, a new provider on the same Y.Doc) is not
  // removed when the old one closes. Invariant: the keys are exactly the clients awareness_
  // holds a state for; Member::presence counts each connection's share.
  struct PresenceOwner {
    const Connection* conn = nullptr;  // a member of this room, or nullptr for …
    std::string instance;              // … a client of that other instance
  };

  void on_loaded(std::optional<store::StoredDocument> stored, std::string error);
  void welcome(Member& m);
  void handle(const std::shared_ptr<Connection>& conn, const Frame& frame);
  void apply_update(const std::shared_ptr<Connection>& conn, crdt::ByteView update,
                    const Frame& relay);
  void publish(crdt::ByteView update, const Frame& relay, const Connection* origin);
  // `since`: when set, the time the frame's update arrived, observed into weft_fanout_seconds once
  // the last receiver's send is done.
  void broadcast(const Frame& frame, const Connection* except,
                 std::optional<std::chrono::steady_clock::time_point> since = std::nullopt);
  void close_all(uint16_t code, const std::string& reason);
  // Runs `op` now when the room is loaded (or failed), else once loading ends.
  void when_loaded(std::function<void()> op);
  // Queues a part for the other instances; all parts of one strand turn go as one message.
  void outbox(PartKind kind, crdt::ByteView data);
  void repair_if_pending();
  static constexpr auto kRepairEvery = std::chrono::milliseconds(500);
  // A user's access changed: new role on their connections, or closed (4403) without access.
  void apply_access(int64_t user_id, std::optional<Role> role);
  // The document is gone: close everyone with 4404, refuse later joins, fail waiting operations.
  void mark_gone(const std::string& reason);
  void apply_bus_part(const std::string& instance, Part& part);
  void relay_bus_update(crdt::ByteView update, const crdt::Applied& applied, bool changed);
  // Records `owner` as the owner of what `change` added or updated, and forgets the owners of
  // what it removed.
  void own_presence(const protocol::Awareness::Change& change, const PresenceOwner& owner);
  // Removes every state `owner` owns, and tells the room (and the other instances when
  // `publish_removal`).
  void remove_presence_of(const PresenceOwner& owner, bool publish_removal);
  // Presence storms: the first awareness change after a quiet tick goes out at once (`frame`, to
  // everyone but `origin`); the changes that follow within the tick are merged into one
  // message at its end (presence_tick: the latest state of each client that changed, to everyone
  // but its owner), so a room of N clients moving their cursors sends each receiver one message a
  // tick instead of one per change. `publish`: the change is this instance's to tell the others.
  // The tick is --presence-tick-ms (Config::presence_tick_ms, 50 by default).
  void relay_presence(const protocol::Awareness::Change& change, const Frame& frame,
                      const Connection* origin, bool publish);
  void presence_tick();
  void arm_presence_tick();  // presence_tick() at the end of the next tick
  void send_presence(const std::vector<uint64_t>& ids);
  void schedule_unload();
  // Stores, compacts and leaves the registry (the end of the grace, or at once when evicted).
  void unload();
  // After every change of the document: forgets the cached sync step 2 answers, and
  // re-estimates memory_estimate(), adding the difference to weft_rooms_memory_bytes: each struct
  // as it is laid out in memory (crdt::Item, its allocation and its slot in the struct store) plus
  // two bytes per UTF-16 unit of text.
  void doc_changed();
  // The sync step 2 answering `state_vector`: computed once per document state and state vector,
  // so that a join storm (many clients with the same, usually empty, state vector) encodes the
  // document once and every joiner's queue holds the same buffer.
  Frame step2_for(crdt::ByteView state_vector);
  // Whether an applied update changed what the document encodes.
  bool changes(const crdt::Applied& applied) const;
  // History: an update was applied (by `user_id`, 0 when it came from another instance), which
  // inserted and deleted that many UTF-16 units.
  void note_edit(int64_t user_id, uint64_t inserted, uint64_t deleted);
  // Authorship: the clients whose clocks `applied` added belong to `user_id` (0: not known here,
  // e.g. an update from another instance, which records its own); new ones are recorded in the
  // store.
  void attribute(int64_t user_id, const crdt::Applied& applied);
  // The client id REST edits by `user_id` are made as in this room (one per user, recorded).
  uint64_t rest_client(int64_t user_id);
  // Turns the text into `after` with one edit by `user_id` (replace_text's). When `origins` (the
  // runs of a version's text `after`) is given, the characters it re-inserts are aliases of the
  // ones they restore, so blame keeps their authors and times.
  void replace_now(const std::u16string& after, int64_t user_id,
                   const std::vector<history::BlameRun>* origins);
  // Keeps `aliases` (for the blame of the live text) and records them in the store.
  void alias(std::vector<store::Alias> aliases);
  // True when applying `update` would remove more than half of a non-trivial text (the "oops"
  // version is captured before it).
  bool removes_most(crdt::ByteView update) const;
  void arm_history_timer();
  void on_history_timer();
  // Captures now, on the strand; `done` (may be empty) runs on the blocking pool.
  void capture(std::string kind, std::optional<std::string> name, VersionDone done);
  // A state taken on the strand, to be stored as a version (store_capture): an update with every
  // struct beyond `base` (the state vector of the room's last capture) and every deletion, or the
  // whole state when `base` is empty — the room's first capture, or `whole` asked for.
  struct PendingCapture {
    std::shared_ptr<const crdt::Bytes> state;
    crdt::Bytes base;
    crdt::Bytes state_vector;
    int64_t size = 0;
  };
  PendingCapture state_for_capture(bool whole = false) const;
  // Stores `pending` with the editors noted since the last capture, on the blocking pool one
  // capture at a time, in the order taken (captures_), so every delta is against the state
  // captured before it.
  void store_capture(std::string kind, std::optional<std::string> name,
                     const PendingCapture& pending, VersionDone done);
  // The capture job (blocking pool): stores `c` from `state` (a PendingCapture's), thins, and
  // calls `done`. When the head does not cover `base`, the whole state is rebuilt from the chain,
  // or, if the chain lacks the base, taken again on the strand (retake_whole).
  void store_version(store::Capture c, const crdt::Bytes& state, const crdt::Bytes& base,
                     VersionDone done);
  void retake_whole(store::Capture c, VersionDone done);
  void enqueue_capture(std::function<void()> job);
  void run_next_capture();
  // The clients an awareness change applied (added, updated, removed).
  static std::vector<uint64_t> applied(const protocol::Awareness::Change& change);
  void compact(std::function<void()> then);

  const int64_t document_id_;
  Services& services_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  // The second fan-out lane of large rooms: its own strand, so its writes keep their order.
  boost::asio::strand<boost::asio::io_context::executor_type> far_lane_;
  uint64_t joins_ = 0;
  bool two_lanes_ = false;  // broadcasts use far_lane_ (from the first time the room was large)
  boost::asio::steady_timer grace_timer_;
  State state_ = State::kLoading;
  crdt::Doc doc_;
  protocol::Awareness awareness_;
  std::unordered_map<const Connection*, Member> members_;
  // Received while loading, with when each arrived (for weft_fanout_seconds).
  struct Pending {
    std::shared_ptr<Connection> conn;
    Frame frame;
    std::chrono::steady_clock::time_point at;
  };
  std::vector<Pending> backlog_;
  std::vector<std::function<void()>> waiting_;           // API operations waiting for the load
  std::vector<Part> outbox_;                             // for the bus, sent at the end of the turn
  std::chrono::steady_clock::time_point last_repair_{};  // see repair_if_pending()
  std::unordered_map<uint64_t, PresenceOwner> presence_owner_;
  boost::asio::steady_timer presence_timer_;
  bool presence_timer_armed_ = false;
  std::vector<uint64_t> presence_dirty_;      // changed within this tick: for the clients
  std::vector<uint64_t> presence_dirty_bus_;  // … and, of them, this instance's: for the others
  std::atomic<size_t> connection_count_{0};
  // History: edits since the last capture (when the first came, the latest, and who made them).
  boost::asio::steady_timer history_timer_;
  bool history_timer_armed_ = false;
  bool edited_ = false;
  std::chrono::steady_clock::time_point edited_since_{};
  std::chrono::steady_clock::time_point edited_last_{};
  std::map<int64_t, store::UserEdits> edits_;  // by user id
  // Authorship: each client seen while this room is loaded, whose it is (0: not known here) and
  // when it last added something; and the client of each user's REST edits.
  struct ClientSeen {
    int64_t user_id = 0;
    std::chrono::system_clock::time_point last{};
  };
  std::unordered_map<uint64_t, ClientSeen> clients_seen_;
  std::unordered_map<int64_t, uint64_t> rest_clients_;
  std::vector<store::Alias> aliases_;  // made by restores while this room is loaded
  // Captures waiting for the one running on the blocking pool (not a strand of the pool: a Room
  // may outlive the pool at shutdown, and a strand must not outlive its context).
  std::deque<std::function<void()>> captures_;
  bool capturing_ = false;
  // The state vector of the last capture taken (empty: none yet): the next one encodes only what
  // is new since (store_capture).
  crdt::Bytes captured_sv_;
  // --max-document-bytes: an upper bound of the encoded state's size (the stored bytes at load,
  // plus every update applied since; exact again at each capture), measured exactly before an
  // update is refused.
  size_t doc_bytes_ = 0;
  // Whether `update` may be applied under --max-document-bytes (false: it would grow the document
  // beyond it).
  bool fits(crdt::ByteView update);
  size_t logged_since_compaction_ = 0;
  bool compacting_ = false;
  uint64_t tree_touches_ = 0;
  // When the message being handled was read off its connection (Room::receive), for fan-out.
  std::chrono::steady_clock::time_point
      received_at_{};  // project rooms: touch_tree's count, the next token
  bool shutting_down_ = false;
  bool evict_requested_ = false;  // evict() came: no grace at the next unload
  bool unloaded_ = false;         // left the registry: its memory no longer counts
  std::atomic<int64_t> memory_{0};
  // step2_for's answers since the document last changed, by state vector, oldest first.
  static constexpr size_t kStep2Cache = 4;
  std::vector<std::pair<crdt::Bytes, Frame>> step2_cache_;
};

}  // namespace weft
