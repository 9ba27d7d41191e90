// room_history.cpp — the room's part of document history (wave 2 · 2): when a version is
// captured, and the capture itself. The versions are stored by store::History (a delta per
// version; see store/history.hpp for the invariant); docs/HISTORY.md walks through the design.
//
// Policy, all on the room's strand:
//   - "auto": once edits stopped for --history-quiet-ms, and at least every
//     --history-max-interval-ms while they go on; also before the room unloads or shuts down
//     with edits not yet captured;
//   - "replace": before a PUT …/content replaces the text;
//   - "oops": before an update that deletes more than half of a text of at least
//     history::kOopsMinLength characters;
//   - "restore": before a version is restored;
//   - "named": when an editor names the current state.
// Capturing on the strand encodes only what is new since the room's last capture (the structs
// beyond its state vector, and the delete set) and counts the text's UTF-8 size; the fingerprint,
// the delta against the stored head and the write run on the blocking pool. When the head does
// not cover the room's last capture (another instance captured in between, or the newest version
// was deleted), the pool rebuilds the whole state from the chain, or the strand encodes it again.
// Capturing is idempotent per document state, so instances that serve the same document and
// capture the same state add one version.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <random>

#include "crdt/update.hpp"
#include "server/history/chain.hpp"
#include "server/history/edits.hpp"
#include "server/history/thinning.hpp"
#include "server/room.hpp"

namespace weft {

namespace asio = boost::asio;

void Room::note_edit(int64_t user_id, uint64_t inserted, uint64_t deleted) {
  if (is_project()) return;  // no history
  const auto now = std::chrono::steady_clock::now();
  if (!edited_) {
    edited_ = true;
    edited_since_ = now;
  }
  edited_last_ = now;
  if (user_id != 0) {
    store::UserEdits& e = edits_[user_id];
    e.user_id = user_id;
    e.inserted += static_cast<int64_t>(inserted);
    e.deleted += static_cast<int64_t>(deleted);
  }
  if (!history_timer_armed_) arm_history_timer();
}

void Room::attribute(int64_t user_id, const crdt::Applied& applied) {
  if (is_project()) return;
  if (applied.added.empty()) return;
  const auto now = std::chrono::system_clock::now();
  std::vector<store::ClientAuthor> fresh;
  for (const auto& [client, clocks] : applied.added) {
    ClientSeen& seen = clients_seen_[client];
    seen.last = now;
    if (seen.user_id == 0 && user_id != 0) {
      seen.user_id = user_id;
      fresh.push_back({.client = client, .user_id = user_id});
    }
  }
  if (fresh.empty()) return;  // the usual case: a client already seen typing on
  asio::post(services_.blocking, [&services = services_, id = document_id_, fresh] {
    try {
      store::History(services.store).record_clients(id, fresh);
    } catch (const std::exception& e) {
      spdlog::warn("document {}: recording the authors of {} clients failed: {}", id, fresh.size(),
                   e.what());
    }
  });
}

uint64_t Room::rest_client(int64_t user_id) {
  if (const auto it = rest_clients_.find(user_id); it != rest_clients_.end()) return it->second;
  // A fresh 32-bit id (as Yjs picks them) that no writer of this document has used.
  std::random_device random;
  const crdt::StateVector used = doc_.state_vector();
  uint64_t client = 0;
  do {
    client = random();
  } while (used.count(client) != 0 || clients_seen_.count(client) != 0);
  rest_clients_[user_id] = client;
  return client;
}

void Room::read_blame(std::function<void(std::optional<history::BlameSource>)> done) {
  when_loaded([self = shared_from_this(), done = std::move(done)] {
    if (self->state_ != State::kReady) return done(std::nullopt);
    history::BlameSource source;
    for (const crdt::TextRun& r : self->doc_.text_runs("content")) {
      source.runs.push_back({r.id.client, r.id.clock, std::u16string(r.text)});
    }
    for (const auto& [client, seen] : self->clients_seen_) {
      if (seen.user_id != 0) source.authors[client] = seen.user_id;
      source.recent[client] = history::iso_millis(seen.last);
    }
    source.aliases = self->aliases_;
    done(std::move(source));
  });
}

bool Room::removes_most(crdt::ByteView update) const { return history::removes_most(doc_, update); }

// One wait at a time: edits only move edited_last_; the timer, when it fires, sleeps again until
// the quiet period or the maximum interval is really over.
void Room::arm_history_timer() {
  const auto& cfg = services_.config;
  if (cfg.history_quiet_ms == 0 || !edited_) return;
  auto due = edited_last_ + std::chrono::milliseconds(cfg.history_quiet_ms);
  if (cfg.history_max_interval_ms != 0)  // 0: no maximum, only quiet periods
    due = std::min(due, edited_since_ + std::chrono::milliseconds(cfg.history_max_interval_ms));
  history_timer_armed_ = true;
  history_timer_.expires_at(due);
  history_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->history_timer_armed_ = false;
    if (!ec) self->on_history_timer();
  });
}

void Room::on_history_timer() {
  if (!edited_ || state_ != State::kReady || shutting_down_) return;
  const auto& cfg = services_.config;
  const auto now = std::chrono::steady_clock::now();
  if (now >= edited_last_ + std::chrono::milliseconds(cfg.history_quiet_ms) ||
      (cfg.history_max_interval_ms != 0 &&
       now >= edited_since_ + std::chrono::milliseconds(cfg.history_max_interval_ms))) {
    capture("auto", std::nullopt, nullptr);
  } else {
    arm_history_timer();
  }
}

Room::PendingCapture Room::state_for_capture(bool whole) const {
  const crdt::Bytes& base = whole ? crdt::Bytes{} : captured_sv_;
  return {std::make_shared<const crdt::Bytes>(doc_.encode_state_as_update(base)), base,
          doc_.encode_state_vector(), static_cast<int64_t>(doc_.text_utf8_size("content"))};
}

void Room::capture(std::string kind, std::optional<std::string> name, VersionDone done) {
  PendingCapture pending = state_for_capture();
  if (pending.base.empty()) doc_bytes_ = pending.state->size();  // encoded whole: exact again
  store_capture(std::move(kind), std::move(name), pending, std::move(done));
}

void Room::store_capture(std::string kind, std::optional<std::string> name,
                         const PendingCapture& pending, VersionDone done) {
  store::Capture c;
  c.document_id = document_id_;
  c.kind = std::move(kind);
  c.name = std::move(name);
  c.state_vector = pending.state_vector;
  c.size = pending.size;
  for (const auto& [user_id, e] : edits_) {
    c.user_ids.push_back(user_id);
    c.edits.push_back(e);
  }
  edits_.clear();
  edited_ = false;
  captured_sv_ = pending.state_vector;
  enqueue_capture([self = shared_from_this(), state = pending.state, base = pending.base,
                   c = std::move(c), done = std::move(done)]() mutable {
    self->store_version(std::move(c), *state, base, std::move(done));
  });
}

namespace {
// Thrown by the delta function when the head does not cover a capture's base (the transaction
// rolls back; store_version takes the whole state instead).
struct NeedsWholeState {};
}  // namespace

void Room::store_version(store::Capture c, const crdt::Bytes& state, const crdt::Bytes& base,
                         VersionDone done) {
  std::optional<store::Version> version;
  try {
    // An update of what is new since `base` carries every deletion of the doc (Yjs encodes the
    // whole delete set), so its fingerprint is the whole state's.
    c.fingerprint = history::fingerprint_of(c.state_vector, state);
    // The delta from `update`, an update with every struct beyond `update_base` (empty: whole).
    const auto delta_from = [](const crdt::Bytes& update, const crdt::Bytes& update_base) {
      return [&update, &update_base](const std::optional<store::Bytes>& head_sv,
                                     const std::optional<store::Bytes>& head_fingerprint) {
        if (!history::covers_head(update_base, head_sv)) throw NeedsWholeState{};
        return history::capture_delta(update, head_sv, head_fingerprint);
      };
    };
    try {
      version = store::History(services_.store).capture(c, delta_from(state, base));
    } catch (const NeedsWholeState&) {
      const std::optional<crdt::Bytes> whole =
          history::whole_state(services_.store, document_id_, state);
      if (!whole) return retake_whole(std::move(c), std::move(done));
      const crdt::Bytes none;
      version = store::History(services_.store).capture(c, delta_from(*whole, none));
    }
    services_.metrics.versions_captured.fetch_add(1, std::memory_order_relaxed);
  } catch (const std::exception& e) {
    spdlog::error("document {}: capturing a version failed: {}", c.document_id, e.what());
  }
  const std::optional<int64_t> captured =
      version ? std::optional<int64_t>(version->id) : std::nullopt;
  if (done) done(std::move(version));  // the answer (a restore's edit) waits for neither below
  if (!captured) return;
  try {
    // Each new version is a moment to thin the older ones (a no-op most of the time).
    const history::ThinningPolicy policy{
        std::chrono::hours(services_.config.history_keep_all_hours),
        std::chrono::hours(24 * services_.config.history_hourly_days)};
    const auto now = std::chrono::system_clock::now();
    const size_t thinned = store::History(services_.store)
                               .thin(
                                   c.document_id,
                                   [&](const std::vector<store::Version>& all) {
                                     return history::versions_to_thin(all, now, policy);
                                   },
                                   history::merge_deltas);
    if (thinned) spdlog::debug("document {}: thinned {} versions", c.document_id, thinned);
    // And, every kCheckpointEvery versions, a checkpoint that bounds the rebuilds after it.
    store::History(services_.store)
        .checkpoint(c.document_id, *captured, history::kCheckpointEvery, history::merge_all);
  } catch (const std::exception& e) {
    spdlog::error("document {}: thinning versions or a checkpoint failed: {}", c.document_id,
                  e.what());
  }
}

// The chain no longer holds the state the capture built on (the newest version was deleted, or a
// capture failed): the state is taken whole, now, and stored before any capture queued after it.
// Posted before run_next_capture is (the job posts it first), so it runs first on the strand.
void Room::retake_whole(store::Capture c, VersionDone done) {
  asio::post(strand_, [self = shared_from_this(), c = std::move(c), done = std::move(done)] {
    const PendingCapture whole = self->state_for_capture(true);
    self->doc_bytes_ = whole.state->size();
    self->captured_sv_ = whole.state_vector;
    store::Capture again = c;
    again.state_vector = whole.state_vector;
    again.size = whole.size;
    self->captures_.push_front([self, state = whole.state, again = std::move(again), done] {
      self->store_version(again, *state, {}, done);
    });
  });
}

void Room::enqueue_capture(std::function<void()> job) {
  captures_.push_back(std::move(job));
  if (!capturing_) run_next_capture();
}

void Room::run_next_capture() {
  if (captures_.empty()) {
    capturing_ = false;
    return;
  }
  capturing_ = true;
  auto job = std::move(captures_.front());
  captures_.pop_front();
  asio::post(services_.blocking, [self = shared_from_this(), job = std::move(job)] {
    job();
    asio::post(self->strand_, [self] { self->run_next_capture(); });
  });
}

void Room::capture_version(std::string kind, std::optional<std::string> name, int64_t user_id,
                           VersionDone done) {
  when_loaded([self = shared_from_this(), kind = std::move(kind), name = std::move(name), user_id,
               done = std::move(done)]() mutable {
    if (self->state_ != State::kReady) return done(std::nullopt);
    (void)user_id;  // naming is not an edit: the version's users are those who edited
    self->capture(std::move(kind), std::move(name), std::move(done));
  });
}

// Two things run at once: the version is rebuilt on the blocking pool from its chain of deltas,
// while the "restore" capture of the current state is stored (its strand part is taken now, so
// it is the text the restore replaces). When both are done the edit is PUT's, on the strand: the
// common prefix and suffix stay, one delete and one insert, broadcast and stored. What it
// re-inserts is aliased to the version's own characters (replace_now), for blame.
void Room::restore_version(int64_t version_id, int64_t user_id, VersionDone done) {
  when_loaded([self = shared_from_this(), version_id, user_id, done = std::move(done)]() mutable {
    if (self->state_ != State::kReady) return done(std::nullopt);
    struct Restore {
      bool rebuilt = false;
      std::optional<std::u16string> text;  // nullopt: no such version
      std::vector<history::BlameRun> runs;
      std::optional<std::optional<store::Version>> before;  // set when the capture is stored
    };
    const auto restore = std::make_shared<Restore>();
    // On the strand, after each half: the edit once both are in.
    const auto finish = [self, restore, user_id, done = std::move(done)] {
      if (!restore->rebuilt || !restore->before) return;
      if (!restore->text || !*restore->before || self->state_ != State::kReady) {
        return done(std::nullopt);
      }
      self->replace_now(*restore->text, user_id, &restore->runs);
      done(*restore->before);
    };
    self->capture("restore", std::nullopt,
                  [self, restore, finish](std::optional<store::Version> before) {
                    asio::post(self->strand_, [restore, before = std::move(before), finish] {
                      restore->before = before;
                      finish();
                    });
                  });
    asio::post(self->services_.blocking, [self, version_id, restore, finish] {
      std::optional<std::u16string> text;
      std::vector<history::BlameRun> runs;
      try {
        if (const auto doc =
                history::version_doc(self->services_.store, self->document_id_, version_id)) {
          text = doc->text16("content");
          for (const crdt::TextRun& r : doc->text_runs("content")) {
            runs.push_back({r.id.client, r.id.clock, std::u16string(r.text)});
          }
        }
      } catch (const std::exception& e) {
        spdlog::error("document {}: rebuilding version {} failed: {}", self->document_id_,
                      version_id, e.what());
      }
      asio::post(self->strand_,
                 [restore, text = std::move(text), runs = std::move(runs), finish]() mutable {
                   restore->rebuilt = true;
                   restore->text = std::move(text);
                   restore->runs = std::move(runs);
                   finish();
                 });
    });
  });
}

void Room::alias(std::vector<store::Alias> aliases) {
  if (aliases.empty()) return;
  aliases_.insert(aliases_.end(), aliases.begin(), aliases.end());
  asio::post(services_.blocking,
             [&services = services_, id = document_id_, aliases = std::move(aliases)] {
               try {
                 store::History(services.store).record_aliases(id, aliases);
               } catch (const std::exception& e) {
                 spdlog::warn("document {}: recording {} restore aliases failed: {}", id,
                              aliases.size(), e.what());
               }
             });
}

}  // namespace weft
