// bench_room.cpp — Room's history steps, timed. Each function names the Room member it
// follows, and calls the server's own code for each step (history/chain.hpp, history/edits.hpp).
#include "bench/history/bench_room.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "crdt/update.hpp"
#include "server/history/chain.hpp"
#include "server/history/edits.hpp"
#include "server/history/thinning.hpp"

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kRestClient = 3141592653;  // the REST client of every user here (rest_client)

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

BenchRoom::BenchRoom(store::Store& store, int64_t document_id)
    : store_(store), document_id_(document_id) {}

// Room::apply_update, its history part around doc_.apply_update.
double BenchRoom::apply(crdt::ByteView update, int64_t user_id) {
  const uint64_t length_before = doc_.text_length("content");
  std::optional<Pending> before;
  if (removes_most(update)) before = state_for_capture();
  const crdt::Applied applied = doc_.apply_update(update);
  const uint64_t length_after = doc_.text_length("content");
  if (before && length_after * 2 < length_before) store_capture("oops", *before, true);
  uint64_t inserted = 0;
  for (const auto& [client, clocks] : applied.added) inserted += clocks;
  note_edit(user_id, inserted, applied.deleted);
  return attribute(user_id, applied);
}

// Room::removes_most.
bool BenchRoom::removes_most(crdt::ByteView update) const {
  return weft::history::removes_most(doc_, update);
}

// Room::note_edit (the timer it arms is left out).
void BenchRoom::note_edit(int64_t user_id, uint64_t inserted, uint64_t deleted) {
  edited_last_ = Clock::now();
  if (user_id == 0) return;
  store::UserEdits& e = edits_[user_id];
  e.user_id = user_id;
  e.inserted += static_cast<int64_t>(inserted);
  e.deleted += static_cast<int64_t>(deleted);
}

// Room::attribute; recording a fresh client (on the pool in the server) is timed apart.
double BenchRoom::attribute(int64_t user_id, const crdt::Applied& applied) {
  if (applied.added.empty()) return 0;
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
  if (fresh.empty()) return 0;
  const auto t0 = Clock::now();
  store::History(store_).record_clients(document_id_, fresh);
  return ms_since(t0);
}

// Room::state_for_capture.
BenchRoom::Pending BenchRoom::state_for_capture() const {
  return {std::make_shared<const crdt::Bytes>(doc_.encode_state_as_update(captured_sv_)),
          captured_sv_, doc_.encode_state_vector(),
          static_cast<int64_t>(doc_.text_utf8_size("content"))};
}

// Room::capture.
CaptureTimes BenchRoom::capture(const std::string& kind, bool thin_now) {
  const auto t0 = Clock::now();
  const Pending pending = state_for_capture();
  const double strand = ms_since(t0);
  CaptureTimes times = store_capture(kind, pending, thin_now);
  times.strand = strand;
  return times;
}

// Room::store_capture and the job it queues on the blocking pool.
CaptureTimes BenchRoom::store_capture(const std::string& kind, const Pending& pending,
                                      bool thin_now) {
  store::Capture c;
  c.document_id = document_id_;
  c.kind = kind;
  c.state_vector = pending.state_vector;
  c.size = pending.size;
  for (const auto& [user_id, e] : edits_) {
    c.user_ids.push_back(user_id);
    c.edits.push_back(e);
  }
  edits_.clear();
  captured_sv_ = pending.state_vector;
  CaptureTimes times;
  auto t0 = Clock::now();
  c.fingerprint = weft::history::fingerprint_of(c.state_vector, *pending.state);
  last_version_id_ =
      store::History(store_)
          .capture(c,
                   [&](const std::optional<store::Bytes>& head_sv,
                       const std::optional<store::Bytes>& head_fingerprint) {
                     // One room, one writer: the head is always the last capture (the server's
                     // fallbacks when it is not never run here).
                     if (!weft::history::covers_head(pending.base, head_sv)) {
                       throw std::logic_error("bench: the head does not cover the last capture");
                     }
                     times.added = true;  // the delta is taken only for a new row
                     return weft::history::capture_delta(*pending.state, head_sv, head_fingerprint);
                   })
          .id;
  times.pool = ms_since(t0);
  if (thin_now) times.thin = thin();
  return times;
}

// The thinning and the checkpoint Room::store_version makes after a capture's answer.
double BenchRoom::thin() {
  const auto t0 = Clock::now();
  const weft::history::ThinningPolicy policy{};  // the defaults of --history-keep-all-hours etc.
  const auto now = std::chrono::system_clock::now();
  store::History(store_).thin(
      document_id_,
      [&](const std::vector<store::Version>& all) {
        return weft::history::versions_to_thin(all, now, policy);
      },
      weft::history::merge_deltas);
  store::History(store_).checkpoint(document_id_, last_version_id_, weft::history::kCheckpointEvery,
                                    weft::history::merge_all);
  return ms_since(t0);
}

// Room::rest_client: one fixed id here (the server picks a random unused one).
uint64_t BenchRoom::rest_client(int64_t user_id) {
  const auto [it, fresh] = rest_clients_.emplace(user_id, kRestClient);
  (void)fresh;
  return it->second;
}

// Room::restore_version, then Room::replace_now.
bool BenchRoom::restore(int64_t version_id, int64_t user_id, RestoreTimes& times) {
  const auto start = Clock::now();
  // The two halves the server runs at once: the rebuild on a thread of its own, the capture here.
  std::unique_ptr<crdt::Doc> version;
  std::u16string after;
  std::vector<weft::history::BlameRun> runs;
  std::thread rebuild([&] {
    const auto t = Clock::now();
    version = weft::history::version_doc(store_, document_id_, version_id);
    if (version) {
      after = version->text16("content");
      for (const crdt::TextRun& r : version->text_runs("content")) {
        runs.push_back({r.id.client, r.id.clock, std::u16string(r.text)});
      }
    }
    times.text = ms_since(t);
  });
  times.restore = capture("restore", false);  // thinned after the answer, as the server does
  rebuild.join();
  if (!version) return false;
  auto t0 = Clock::now();
  const std::u16string before = doc_.text16("content");
  const weft::history::Splice splice = weft::history::minimal_splice(before, after);
  const size_t prefix = splice.prefix;
  const size_t removed = splice.removed;
  const std::u16string_view inserted = splice.inserted;
  doc_.set_client_id(rest_client(user_id));
  const uint64_t client = doc_.client_id();
  const uint64_t first_clock = crdt::state_of(doc_.state_vector(), client);
  const crdt::Bytes update = doc_.transact([&](crdt::Transaction& tr) {
    if (removed > 0) doc_.delete_text(tr, "content", prefix, removed);
    if (!inserted.empty()) doc_.insert_text(tr, "content", prefix, inserted);
  });
  std::vector<store::Alias> aliases;
  if (!update.empty()) {
    note_edit(user_id, inserted.size(), removed);
    crdt::Applied applied{.added = {}, .deleted = removed, .known = 0, .before = {}};
    if (!inserted.empty()) applied.added.emplace_back(client, inserted.size());
    attribute(user_id, applied);
    if (!inserted.empty()) {
      aliases = weft::history::aliases_for(runs, prefix, inserted.size(), client, first_clock);
      aliases_.insert(aliases_.end(), aliases.begin(), aliases.end());
    }
  }
  times.edit = ms_since(t0);
  times.total = ms_since(start);
  times.restore.thin = thin();
  t0 = Clock::now();
  if (!aliases.empty()) store::History(store_).record_aliases(document_id_, aliases);
  times.aliases = ms_since(t0);
  return true;
}

// authorship_api.cpp's blame_current: Room::read_blame, then add_recorded and points.
BlameTimes BenchRoom::blame() {
  BlameTimes times;
  const auto start = Clock::now();
  weft::history::BlameSource source;
  for (const crdt::TextRun& r : doc_.text_runs("content")) {
    source.runs.push_back({r.id.client, r.id.clock, std::u16string(r.text)});
  }
  for (const auto& [client, seen] : clients_seen_) {
    if (seen.user_id != 0) source.authors[client] = seen.user_id;
    source.recent[client] = weft::history::iso_millis(seen.last);
  }
  times.runs = ms_since(start);
  auto t0 = Clock::now();
  source.aliases = aliases_;
  store::History history(store_);
  for (const auto& [client, user] : history.clients(document_id_)) source.authors[client] = user;
  const auto recorded = history.aliases(document_id_);
  source.aliases.insert(source.aliases.end(), recorded.begin(), recorded.end());
  source.points = history.points(document_id_, std::nullopt);
  times.store = ms_since(t0);
  t0 = Clock::now();
  times.lines = weft::history::blame(source);
  times.walk = ms_since(t0);
  times.total = ms_since(start);
  return times;
}

}  // namespace bench
