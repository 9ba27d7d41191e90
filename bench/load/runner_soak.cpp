// runner_soak.cpp — weft-bench's soak scenario (soak.hpp says what it does and checks).
//
// One priority queue of timed events (edits, cursor moves, timeline samples, reopenings) drives
// the event loop between them (soak_pump), on the Runner's one thread; the connections report
// deliveries, awareness and closes through the Runner's ConnectionEvents overrides, which hand
// them here when soak_ is set.
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "bench/load/runner.hpp"
#include "bench/load/soak.hpp"
#include "bench/load/weft_api.hpp"
#include "crdt/doc.hpp"

namespace bench {

using nlohmann::json;

namespace {

constexpr int64_t kReopenFirstUs = 100'000;
constexpr int64_t kReopenMaxUs = 2'000'000;
constexpr size_t kMaxDisconnectEvents = 100'000;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t seconds_to_us(double s) { return static_cast<int64_t>(s * 1e6); }

}  // namespace

// ---- set-up and the event pump ---------------------------------------------------------------

void Runner::soak_setup() {
  soak_ = std::make_unique<Soak>();
  Soak& s = *soak_;
  s.ports.push_back(opts_.port);
  s.ports.insert(s.ports.end(), opts_.more_ports.begin(), opts_.more_ports.end());
  const uint32_t n = opts_.docs * opts_.clients;
  s.clients.resize(n);
  s.doc_last_resync_us.assign(opts_.docs, -seconds_to_us(opts_.recovery_seconds) - 1);
  std::uniform_int_distribution<uint64_t> id(1, 0xffffffffu);  // y-protocols: a random uint32
  for (uint32_t i = 0; i < n; ++i) {
    SoakClient& c = s.clients[i];
    c.position = i % opts_.clients;
    // Every document has clients on every instance.
    c.port_index = c.position % static_cast<uint32_t>(s.ports.size());
    c.from.resize(opts_.clients);
    c.awareness_id = id(rng_);
  }
}

void Runner::soak_pump(int64_t until_us, const std::function<bool()>& done) {
  Soak& s = *soak_;
  while (!done()) {
    const int64_t now = now_us();
    if (now >= until_us) return;
    if (!s.events.empty() && s.events.top().due_us <= now) {
      const Soak::Event e = s.events.top();
      s.events.pop();
      switch (e.kind) {
        case Soak::Kind::kEdit:
          if (!s.active) break;
          soak_edit(e.conn);
          // Behind schedule: at once, but one at a time (a late generator shows as fewer edits).
          s.events.push({std::max(e.due_us + seconds_to_us(1 / opts_.rate), now), e.kind, e.conn});
          break;
        case Soak::Kind::kCursor:
          if (!s.active) break;
          soak_cursor(e.conn);
          s.events.push(
              {std::max(e.due_us + seconds_to_us(1 / opts_.cursor_rate), now), e.kind, e.conn});
          break;
        case Soak::Kind::kSample:
          if (!s.active) break;
          soak_sample();
          s.events.push({e.due_us + seconds_to_us(opts_.sample_seconds), e.kind, 0});
          break;
        case Soak::Kind::kReopen:
          soak_reopen(e.conn);
          break;
      }
      continue;
    }
    const int64_t next = s.events.empty() ? until_us : std::min(until_us, s.events.top().due_us);
    io_.run_one_until(epoch_ + std::chrono::microseconds(next));
  }
}

// ---- what clients do -------------------------------------------------------------------------

void Runner::soak_edit(uint32_t i) {
  Connection& c = *conns_[i];
  if (c.state() != Connection::State::kSynced || soak_->clients[i].reconnecting) {
    ++soak_->total.edits_skipped;
    return;
  }
  const uint64_t full = static_cast<uint64_t>(opts_.window) * kMarkerLength;
  c.send_edit(make_marker(Marker{i, c.next_seq++, now_us()}),
              c.text_length() >= full ? kMarkerLength : 0);
  ++soak_->total.edits;
}

void Runner::soak_cursor(uint32_t i) {
  Connection& c = *conns_[i];
  SoakClient& cl = soak_->clients[i];
  if (c.state() != Connection::State::kSynced || cl.reconnecting) return;
  // A selection in this client's own text, as an editor's cursor state would carry it.
  std::uniform_int_distribution<uint64_t> pos(0, c.text_length());
  const uint64_t anchor = pos(rng_);
  const uint64_t head = std::min<uint64_t>(c.text_length(), anchor + rng_() % 8);
  // "t": the send time, for the cursor latency (on_awareness).
  const std::string state = R"({"t":)" + std::to_string(now_us()) + R"(,"user":{"name":"bench-)" +
                            std::to_string(i) + R"(","color":"#30bced"},"cursor":{"anchor":)" +
                            std::to_string(anchor) + R"(,"head":)" + std::to_string(head) + "}}";
  c.send_awareness(protocol::Awareness::encode_state(cl.awareness_id, ++cl.cursor_clock, state));
  ++soak_->total.cursors_sent;
}

// Every other client's state in an awareness update carries its send time ("t", soak_cursor):
// one latency sample per state heard. A server that merges a client's moves sends only the
// latest, so a move it superseded is not sampled (its successor is).
void Runner::record_cursor_latency(uint64_t own_id, crdt::ByteView update) {
  const int64_t now = now_us();
  try {
    crdt::Decoder d(update);
    for (uint64_t n = d.read_var_uint(); n > 0; --n) {
      const uint64_t id = d.read_var_uint();
      d.read_var_uint();  // clock
      const std::string_view state = d.read_var_string_raw();
      if (id == own_id || state.substr(0, 5) != R"({"t":)") continue;
      int64_t sent = 0;
      std::from_chars(state.data() + 5, state.data() + state.size(), sent);
      if (sent > 0 && sent <= now) soak_->cursor_latency.add(now - sent);
    }
  } catch (const crdt::DecodeError&) {
    // Counted by on_awareness's own decoding.
  }
}

void Runner::on_awareness(Connection& c, crdt::ByteView update) {
  if (!soak_) return;
  SoakClient& cl = soak_->clients[c.index()];
  ++soak_->total.awareness_received;
  soak_->total.awareness_bytes += update.size();
  if (soak_->active) record_cursor_latency(cl.awareness_id, update);
  protocol::Awareness::Change change;
  try {
    change = cl.awareness.apply(update);
  } catch (const crdt::DecodeError& e) {
    ++failures_[std::string("malformed awareness: ") + e.what()];
    return;
  }
  // y-protocols: a client told that its own state was removed (its server restarted, or a peer
  // timed it out) announces it again at a newer clock.
  auto names_me = [&](const std::vector<uint64_t>& ids) {
    return std::find(ids.begin(), ids.end(), cl.awareness_id) != ids.end();
  };
  if ((names_me(change.removed) || names_me(change.behind)) && soak_->active) {
    ++soak_->total.cursor_reannounced;
    cl.cursor_clock = std::max(cl.cursor_clock, cl.awareness.clock(cl.awareness_id));
    soak_cursor(c.index());
  }
}

// ---- deliveries ------------------------------------------------------------------------------

void Runner::soak_record(uint32_t receiver, const Marker& m, bool live, int64_t now) {
  Soak& s = *soak_;
  if (m.sender == receiver) {
    ++s.total.echoes;
    return;
  }
  if (m.sender >= conns_.size() || conns_[m.sender]->doc() != conns_[receiver]->doc()) {
    ++failures_["a marker of another document"];
    return;
  }
  SeqTracker& t = s.clients[receiver].from[s.clients[m.sender].position];
  if (t.record(m.seq)) {
    if (live) {
      ++s.total.live;
      s.interval_latency.add(now - m.sent_us);
    } else {
      ++s.total.via_resync;
    }
    return;
  }
  if (!live) {
    ++s.total.resync_overlap;
    return;
  }
  if (now - s.doc_last_resync_us[conns_[receiver]->doc()] <=
      seconds_to_us(opts_.recovery_seconds)) {
    ++s.total.duplicates_in_recovery;
  } else {
    ++s.total.duplicates;
  }
  ++s.duplicates_by_second[wall_ms() / 1000 * 1000];
}

void Runner::soak_on_state(Connection& c, crdt::ByteView state) {
  SoakClient& cl = soak_->clients[c.index()];
  if (cl.final_answered) return;
  cl.final_answered = true;
  --soak_->states_pending;
  try {
    crdt::Doc doc;
    doc.apply_update(state);
    cl.final_text = doc.text("content");
    if (doc.has_pending()) cl.final_text = "(pending structs)";
  } catch (const std::exception& e) {
    cl.final_text = std::string("(state does not decode: ") + e.what() + ")";
  }
}

// ---- disconnects and reopening ---------------------------------------------------------------

bool Runner::soak_on_closed(Connection& c, const std::string& why) {
  Soak& s = *soak_;
  SoakClient& cl = s.clients[c.index()];
  const bool was_synced = c.synced_at() != Clock::time_point{};
  if (cl.reconnecting) {
    ++s.total.reopen_failures;
    ++failures_["reopening: " + why.substr(0, 70)];
    soak_schedule_reopen(c.index());
    return true;
  }
  if (!was_synced) return false;  // a first connection that failed: connect() counts it
  ++s.total.disconnects;
  ++failures_[why.substr(0, 80)];
  if (s.disconnect_events.size() < kMaxDisconnectEvents) {
    s.disconnect_events.push_back({wall_ms(), c.endpoint().addr.port(), why.substr(0, 80)});
  }
  if (opts_.reconnect) {
    cl.reconnecting = true;
    cl.attempts = 0;
    soak_schedule_reopen(c.index());
  }
  return true;
}

void Runner::soak_schedule_reopen(uint32_t i) {
  SoakClient& cl = soak_->clients[i];
  const int64_t backoff =
      std::min(kReopenMaxUs, kReopenFirstUs << std::min<uint32_t>(cl.attempts, 10));
  ++cl.attempts;
  // Jitter, so that a killed instance's clients do not come back in one burst.
  std::uniform_int_distribution<int64_t> jitter(0, backoff / 2);
  soak_->events.push({now_us() + backoff + jitter(rng_), Soak::Kind::kReopen, i});
}

// What client i holds: its own edits, and of every other client the markers below its
// contiguous mark (each edit adds one marker of kMarkerLength characters, i.e. as many clocks;
// deletions take none). The server then sends only what is missing.
crdt::Bytes Runner::soak_state_vector(uint32_t i) const {
  const Soak& s = *soak_;
  crdt::StateVector sv;
  const auto& doc = docs_[conns_[i]->doc()];
  for (uint32_t m : doc.members) {
    const Connection& other = *conns_[m];
    if (other.yjs_client() == 0) continue;
    const uint64_t seqs =
        m == i ? other.next_seq : s.clients[i].from[s.clients[m].position].contiguous();
    if (seqs > 0) sv[other.yjs_client()] = seqs * kMarkerLength;
  }
  return crdt::encode_state_vector(sv);
}

void Runner::soak_reopen(uint32_t i) {
  Soak& s = *soak_;
  SoakClient& cl = s.clients[i];
  Connection& old = *conns_[i];
  const Dialect dialect =
      opts_.target == Target::kHocuspocus ? Dialect::kHocuspocus : Dialect::kYWebsocket;
  auto next = std::make_shared<Connection>(io_, *this, i, old.doc(),
                                           Wire(dialect, docs_[old.doc()].name), token_);
  next->continue_from(old);
  conns_[i] = next;  // `old` stays alive until its pending handlers have run
  next->set_sync_state_vector(soak_state_vector(i));
  // The next instance: the other one while this one is down, or this one restarted.
  cl.port_index = (cl.port_index + 1) % static_cast<uint32_t>(s.ports.size());
  next->start(endpoint_for(i));
}

void Runner::soak_on_resynced(Connection& c, crdt::ByteView state) {
  Soak& s = *soak_;
  SoakClient& cl = s.clients[c.index()];
  cl.reconnecting = false;
  cl.attempts = 0;
  ++s.total.reconnects;
  const int64_t now = now_us();
  s.doc_last_resync_us[c.doc()] = now;
  scan_markers(state, [&](const Marker& m) { soak_record(c.index(), m, false, now); });
  // A provider announces its state again when its socket opens.
  if (s.active) soak_cursor(c.index());
}

// ---- counting --------------------------------------------------------------------------------

uint64_t Runner::soak_expected() const {
  uint64_t n = 0;
  for (const auto& d : docs_) {
    uint64_t sent = 0;
    for (uint32_t m : d.members) sent += conns_[m]->next_seq;
    for (uint32_t m : d.members) n += sent - conns_[m]->next_seq;
  }
  return n;
}

uint64_t Runner::soak_unique() const {
  const SoakCounters& t = soak_->total;
  return t.live + t.via_resync;
}

uint64_t Runner::soak_stale_cursors() const {
  const Soak& s = *soak_;
  uint64_t stale = 0;
  for (const auto& d : docs_) {
    for (uint32_t r : d.members) {
      for (uint32_t m : d.members) {
        if (m == r || s.clients[m].cursor_clock == 0) continue;
        const auto& view = s.clients[r].awareness;
        const uint64_t id = s.clients[m].awareness_id;
        stale += !view.has_state(id) || view.clock(id) != s.clients[m].cursor_clock;
      }
    }
  }
  return stale;
}

json Runner::soak_counters_json(const SoakCounters& a, const SoakCounters& b) const {
  return {{"edits", a.edits - b.edits},
          {"edits_skipped", a.edits_skipped - b.edits_skipped},
          {"delivered_live", a.live - b.live},
          {"delivered_via_resync", a.via_resync - b.via_resync},
          {"duplicates", a.duplicates - b.duplicates},
          {"duplicates_in_recovery", a.duplicates_in_recovery - b.duplicates_in_recovery},
          {"resync_overlap", a.resync_overlap - b.resync_overlap},
          {"echoes", a.echoes - b.echoes},
          {"cursors_sent", a.cursors_sent - b.cursors_sent},
          {"awareness_received", a.awareness_received - b.awareness_received},
          {"cursor_reannounced", a.cursor_reannounced - b.cursor_reannounced},
          {"disconnects", a.disconnects - b.disconnects},
          {"reconnects", a.reconnects - b.reconnects},
          {"reopen_failures", a.reopen_failures - b.reopen_failures}};
}

void Runner::soak_sample() {
  Soak& s = *soak_;
  json line = soak_counters_json(s.total, s.at_last_sample);
  s.at_last_sample = s.total;
  line["t_s"] = std::chrono::duration<double>(Clock::now() - s.started).count();
  line["at_ms"] = wall_ms();
  uint64_t synced = 0;
  for (const auto& c : conns_) synced += c->state() == Connection::State::kSynced;
  line["synced"] = synced;
  line["latency_ms"] = s.interval_latency.summary_ms();
  if (s.interval_latency.count() > 0) {
    s.interval_p99_ms.push_back(s.interval_latency.quantile_ms(0.99));
    s.max_latency_ms = std::max(s.max_latency_ms, s.interval_latency.quantile_ms(1.0));
  }
  s.interval_latency.clear();
  line["server"] = server_sample();
  line["generator_cpu_s"] = self_cpu_seconds() - s.generator_cpu0;
  line["machine_busy_cpu_s"] = machine_busy_seconds() - s.machine_busy0;
  if (auto me = sample_process(getpid())) line["generator_rss_bytes"] = me->rss_bytes;
  std::fprintf(stderr,
               "soak %6.0f s: %llu edits, %llu delivered, %llu dup, %llu disconnects, %llu "
               "synced, p99 %.2f ms\n",
               line["t_s"].get<double>(), static_cast<unsigned long long>(s.total.edits),
               static_cast<unsigned long long>(soak_unique()),
               static_cast<unsigned long long>(s.total.duplicates),
               static_cast<unsigned long long>(s.total.disconnects),
               static_cast<unsigned long long>(synced),
               line["latency_ms"]["p99"].is_null() ? 0.0 : line["latency_ms"]["p99"].get<double>());
  s.timeline.push_back(std::move(line));
}

// ---- the end: convergence --------------------------------------------------------------------

json Runner::soak_convergence() {
  Soak& s = *soak_;
  s.states_pending = 0;
  for (auto& cl : s.clients) cl.final_answered = false;
  for (uint32_t i = 0; i < conns_.size(); ++i) {
    if (conns_[i]->state() != Connection::State::kSynced) continue;
    conns_[i]->request_state();
    ++s.states_pending;
  }
  soak_pump(now_us() + 60'000'000, [&] { return s.states_pending == 0; });

  std::vector<std::unique_ptr<WeftApi>> apis;
  if (opts_.target == Target::kWeft) {
    for (uint16_t port : s.ports) apis.push_back(std::make_unique<WeftApi>(opts_.host, port));
  }
  uint64_t wrong = 0, disagree = 0, unanswered = 0, http_mismatch = 0, http_errors = 0,
           http_retries = 0;
  std::string first_problem;
  auto problem = [&](const std::string& what) {
    if (first_problem.empty()) first_problem = what;
  };
  for (const auto& d : docs_) {
    // The markers still in the clients' windows: each client's last `window` edits.
    std::set<std::pair<uint32_t, uint32_t>> expected;
    for (uint32_t m : d.members) {
      const uint32_t sent = conns_[m]->next_seq;
      for (uint32_t q = sent > opts_.window ? sent - opts_.window : 0; q < sent; ++q) {
        expected.emplace(m, q);
      }
    }
    const std::string* reference = nullptr;
    for (uint32_t m : d.members) {
      if (!s.clients[m].final_answered) {
        ++unanswered;
        continue;
      }
      if (!reference) {
        reference = &s.clients[m].final_text;
      } else if (s.clients[m].final_text != *reference) {
        ++disagree;
        problem("document " + d.name + ": clients see different texts");
      }
    }
    if (!reference) continue;
    std::set<std::pair<uint32_t, uint32_t>> found;
    uint64_t duplicates = 0;
    const size_t n = scan_markers(
        {reinterpret_cast<const uint8_t*>(reference->data()), reference->size()},
        [&](const Marker& m) { duplicates += !found.emplace(m.sender, m.seq).second; });
    if (found != expected || duplicates > 0 || reference->size() != n * kMarkerLength) {
      ++wrong;
      problem("document " + d.name + ": holds " + std::to_string(n) + " markers (" +
              std::to_string(duplicates) + " duplicated) in " + std::to_string(reference->size()) +
              " bytes; expected " + std::to_string(expected.size()));
    }
    for (size_t k = 0; k < apis.size(); ++k) {
      try {
        bool equal = apis[k]->document_content(token_, d.name) == *reference;
        for (int attempt = 0; !equal && attempt < 20; ++attempt) {
          ++http_retries;
          usleep(250'000);
          equal = apis[k]->document_content(token_, d.name) == *reference;
        }
        if (!equal) {
          ++http_mismatch;
          problem("document " + d.name + ": GET content on port " + std::to_string(s.ports[k]) +
                  " differs from the clients' text");
        }
      } catch (const std::exception& e) {
        ++http_errors;
        problem(e.what());
      }
    }
  }
  const bool ok =
      wrong == 0 && disagree == 0 && unanswered == 0 && http_mismatch == 0 && http_errors == 0;
  return {{"converged", ok},
          {"documents", docs_.size()},
          {"documents_wrong", wrong},
          {"clients_disagreeing", disagree},
          {"clients_unanswered", unanswered},
          {"http_checked_instances", apis.size()},
          {"http_mismatches", http_mismatch},
          {"http_errors", http_errors},
          {"http_rereads", http_retries},
          {"first_problem", first_problem}};
}

// ---- the scenario ----------------------------------------------------------------------------

json Runner::run_soak() {
  soak_setup();
  Soak& s = *soak_;
  prepare_documents(opts_.docs);
  for (uint32_t d = 0; d < opts_.docs; ++d) {
    for (uint32_t k = 0; k < opts_.clients; ++k) add_connection(d);
  }
  json out;
  out["params"] = {{"docs", opts_.docs},
                   {"clients_per_doc", opts_.clients},
                   {"edits_per_second_per_client", opts_.rate},
                   {"cursor_moves_per_second_per_client", opts_.cursor_rate},
                   {"window_markers", opts_.window},
                   {"duration_s", opts_.duration},
                   {"sample_s", opts_.sample_seconds},
                   {"ports", s.ports},
                   {"reconnect", opts_.reconnect},
                   {"recovery_s", opts_.recovery_seconds}};
  std::vector<uint32_t> everyone(conns_.size());
  for (uint32_t i = 0; i < everyone.size(); ++i) everyone[i] = i;
  out["connections"] = connect(everyone);
  failures_.clear();  // from here on: what happened during the soak

  s.started = Clock::now();
  s.generator_cpu0 = self_cpu_seconds();
  s.machine_busy0 = machine_busy_seconds();
  s.server0 = server_sample();
  s.active = true;
  const int64_t start = now_us();
  const int64_t end = start + seconds_to_us(opts_.duration);
  std::uniform_real_distribution<double> phase(0, 1);
  for (uint32_t i = 0; i < conns_.size(); ++i) {
    s.events.push({start + seconds_to_us(phase(rng_) / opts_.rate), Soak::Kind::kEdit, i});
    if (opts_.cursor_rate > 0) {
      s.events.push(
          {start + seconds_to_us(phase(rng_) / opts_.cursor_rate), Soak::Kind::kCursor, i});
    }
  }
  s.events.push({start + seconds_to_us(opts_.sample_seconds), Soak::Kind::kSample, 0});
  soak_pump(end, [] { return false; });
  s.active = false;
  const double send_seconds = std::chrono::duration<double>(Clock::now() - s.started).count();

  // Let reopenings finish, then every delivery and cursor arrive.
  auto all_synced = [&] {
    for (const auto& c : conns_) {
      if (c->state() != Connection::State::kSynced) return false;
    }
    return true;
  };
  soak_pump(now_us() + seconds_to_us(opts_.connect_timeout), all_synced);
  const uint64_t expected = soak_expected();
  const int64_t drain_end = now_us() + seconds_to_us(opts_.drain_timeout);
  while (now_us() < drain_end && (soak_unique() < expected || soak_stale_cursors() > 0)) {
    soak_pump(std::min(drain_end, now_us() + 100'000), [] { return false; });
  }
  soak_sample();  // the last, partial interval
  const json server1 = server_sample();
  const double seconds = std::chrono::duration<double>(Clock::now() - s.started).count();

  uint64_t missing = 0, receivers_missing = 0, synced = 0;
  for (const auto& d : docs_) {
    for (uint32_t r : d.members) {
      synced += conns_[r]->state() == Connection::State::kSynced;
      uint64_t mine = 0;
      for (uint32_t m : d.members) {
        if (m == r) continue;
        mine += s.clients[r].from[s.clients[m].position].missing(conns_[m]->next_seq);
      }
      missing += mine;
      receivers_missing += mine > 0;
    }
  }
  out["duration_s"] = send_seconds;
  out["measured_seconds"] = seconds;
  const SoakCounters zero{};
  json counts = soak_counters_json(s.total, zero);
  out["edits"] = {{"sent", s.total.edits},
                  {"skipped_while_disconnected", s.total.edits_skipped},
                  {"per_second", static_cast<double>(s.total.edits) / send_seconds}};
  out["deliveries"] = {{"expected", expected},
                       {"delivered", soak_unique()},
                       {"live", s.total.live},
                       {"via_resync", s.total.via_resync},
                       {"missing", missing},
                       {"receivers_missing_some", receivers_missing},
                       {"duplicates", s.total.duplicates},
                       {"duplicates_in_recovery", s.total.duplicates_in_recovery},
                       {"resync_overlap", s.total.resync_overlap},
                       {"echoes", s.total.echoes}};
  json dups = json::array();
  for (const auto& [at, n] : s.duplicates_by_second) dups.push_back({{"at_ms", at}, {"count", n}});
  out["deliveries"]["duplicate_events"] = dups;
  out["cursors"] = {
      {"sent", s.total.cursors_sent},
      {"awareness_messages_received", s.total.awareness_received},
      {"awareness_bytes_received", s.total.awareness_bytes},
      {"awareness_messages_per_s", static_cast<double>(s.total.awareness_received) / seconds},
      {"awareness_bytes_per_s", static_cast<double>(s.total.awareness_bytes) / seconds},
      {"latency_ms", s.cursor_latency.summary_ms()},
      {"reannounced", s.total.cursor_reannounced},
      {"stale_at_end", soak_stale_cursors()}};
  // Disconnects grouped by second, instance and reason (the driver tells injected ones apart).
  std::map<std::tuple<int64_t, uint16_t, std::string>, uint64_t> groups;
  for (const auto& e : s.disconnect_events) ++groups[{e.at_ms / 1000 * 1000, e.port, e.why}];
  json events = json::array();
  for (const auto& [key, n] : groups) {
    events.push_back({{"at_ms", std::get<0>(key)},
                      {"port", std::get<1>(key)},
                      {"why", std::get<2>(key)},
                      {"count", n}});
  }
  json reasons = json::object();
  for (const auto& [why, n] : failures_) reasons[why] = n;
  out["disconnects"] = {{"count", s.total.disconnects},
                        {"reconnected", s.total.reconnects},
                        {"reopen_failures", s.total.reopen_failures},
                        {"events", events},
                        {"reasons", reasons},
                        {"synced_at_end", synced}};
  std::vector<double> p99s = s.interval_p99_ms;
  std::sort(p99s.begin(), p99s.end());
  out["latency_ms"] = {
      {"interval_p99_median", p99s.empty() ? json(nullptr) : json(p99s[p99s.size() / 2])},
      {"interval_p99_worst", p99s.empty() ? json(nullptr) : json(p99s.back())},
      {"max", s.max_latency_ms}};
  out["server"] = server1;
  if (!server1.is_null() && !s.server0.is_null()) {
    const double cpu =
        server1["cpu_seconds"].get<double>() - s.server0["cpu_seconds"].get<double>();
    out["server"]["cpu_seconds"] = cpu;
    out["server"]["cpu_percent"] = 100 * cpu / seconds;
  }
  const double gen = self_cpu_seconds() - s.generator_cpu0;
  out["generator"] = {{"cpu_seconds", gen}, {"cpu_percent", 100 * gen / seconds}};
  if (auto me = sample_process(getpid())) out["generator"]["rss_bytes"] = me->rss_bytes;
  out["machine_busy_percent"] = 100 * (machine_busy_seconds() - s.machine_busy0) / seconds;
  out["timeline"] = std::move(s.timeline);
  out["convergence"] = soak_convergence();
  // With injected failures (--reconnect) the driver judges disconnects and duplicates by when
  // they happened.
  out["ok"] = out["connections"]["failed"] == 0 && synced == conns_.size() && missing == 0 &&
              out["convergence"]["converged"].get<bool>() && out["cursors"]["stale_at_end"] == 0 &&
              (opts_.reconnect || (s.total.disconnects == 0 && s.total.duplicates == 0 &&
                                   s.total.duplicates_in_recovery == 0));
  return out;
}

}  // namespace bench
