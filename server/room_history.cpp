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
// Capturing on the strand only encodes the state (one pass over the doc, as a sync to a new
// client costs); the fingerprint, the delta against the stored head and the write run on the
// blocking pool. Capturing is idempotent per document state, so instances that serve the same
// document and capture the same state add one version.
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

Room::PendingCapture Room::state_for_capture() const {
  return {std::make_shared<const crdt::Bytes>(doc_.encode_state_as_update()),
          doc_.encode_state_vector(), static_cast<int64_t>(doc_.text("content").size())};
}

void Room::capture(std::string kind, std::optional<std::string> name, VersionDone done) {
  PendingCapture pending = state_for_capture();
  doc_bytes_ = pending.state->size();  // the state is encoded anyway: the size is exact again
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
  enqueue_capture([&services = services_, state = pending.state, c = std::move(c),
                   done = std::move(done)]() mutable {
    std::optional<store::Version> version;
    try {
      c.fingerprint = history::fingerprint_of(c.state_vector, *state);
      version = store::History(services.store)
                    .capture(c, [&](const std::optional<store::Bytes>& head_sv,
                                    const std::optional<store::Bytes>& head_fingerprint) {
                      return history::capture_delta(*state, head_sv, head_fingerprint);
                    });
      services.metrics.versions_captured.fetch_add(1, std::memory_order_relaxed);
      // Each new version is a moment to thin the older ones (a no-op most of the time).
      const history::ThinningPolicy policy{
          std::chrono::hours(services.config.history_keep_all_hours),
          std::chrono::hours(24 * services.config.history_hourly_days)};
      const auto now = std::chrono::system_clock::now();
      const size_t thinned = store::History(services.store)
                                 .thin(
                                     c.document_id,
                                     [&](const std::vector<store::Version>& all) {
                                       return history::versions_to_thin(all, now, policy);
                                     },
                                     history::merge_deltas);
      if (thinned) spdlog::debug("document {}: thinned {} versions", c.document_id, thinned);
    } catch (const std::exception& e) {
      spdlog::error("document {}: capturing a version failed: {}", c.document_id, e.what());
    }
    if (done) done(std::move(version));
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

// The version is rebuilt on the blocking pool from the chain of deltas; the edit itself is PUT's:
// the common prefix and suffix stay, one delete and one insert, broadcast and stored. What it
// re-inserts is aliased to the version's own characters (replace_now), for blame.
void Room::restore_version(int64_t version_id, int64_t user_id, VersionDone done) {
  when_loaded([self = shared_from_this(), version_id, user_id, done = std::move(done)]() mutable {
    if (self->state_ != State::kReady) return done(std::nullopt);
    asio::post(self->services_.blocking, [self, version_id, user_id, done = std::move(done)] {
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
      if (!text) return done(std::nullopt);
      asio::post(self->strand_, [self, text = std::move(*text), runs = std::move(runs), user_id,
                                 done]() mutable {
        if (self->state_ != State::kReady) return done(std::nullopt);
        self->capture("restore", std::nullopt,
                      [self, text = std::move(text), runs = std::move(runs), user_id,
                       done](std::optional<store::Version> before) {
                        if (!before) return done(std::nullopt);
                        asio::post(self->strand_, [self, text, runs, user_id, before, done] {
                          if (self->state_ != State::kReady) return done(std::nullopt);
                          self->replace_now(text, user_id, &runs);
                          done(before);
                        });
                      });
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
