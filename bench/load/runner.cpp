// runner.cpp — weft-bench's scenarios (runner.hpp).
#include "bench/load/runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <cmath>
#include <cstdio>
#include <queue>
#include <set>
#include <stdexcept>
#include <utility>

#include "bench/load/payload.hpp"
#include "bench/load/soak.hpp"
#include "bench/load/weft_api.hpp"

namespace bench {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

template <class Enum>
const char* name_of(const std::map<std::string, Enum>& names, Enum value) {
  for (const auto& [name, v] : names) {
    if (v == value) return name.c_str();
  }
  return "?";
}

}  // namespace

const char* to_string(Mode m) { return name_of(kModeNames, m); }
const char* to_string(Target t) { return name_of(kTargetNames, t); }

Runner::Runner(Options opts) : opts_(std::move(opts)), epoch_(Clock::now()), rng_(opts_.seed) {}

Runner::~Runner() {
  // Connections hold a reference to this runner; let their pending handlers go first.
  for (auto& c : conns_) c->close();
  io_.stop();
}

int64_t Runner::now_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - epoch_).count();
}

json Runner::server_sample() const {
  const auto s = sample_process(opts_.server_pid);
  if (!s) return nullptr;
  return {{"rss_bytes", s->rss_bytes},
          {"peak_rss_bytes", s->peak_rss_bytes},
          {"cpu_seconds", s->cpu_seconds}};
}

template <typename Pred>
bool Runner::run_until(Pred pred, Clock::time_point deadline) {
  while (!pred()) {
    if (Clock::now() >= deadline) return pred();
    io_.run_one_until(deadline);
  }
  return true;
}

void Runner::run_for(double seconds) {
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(seconds));
  run_until([] { return false; }, end);
}

// ---- documents and connections ---------------------------------------------------------------

void Runner::prepare_documents(uint32_t count) {
  docs_.resize(count);
  if (opts_.target == Target::kWeft) {
    WeftApi api(opts_.host, opts_.port);
    token_ = api.sign_in(opts_.username, opts_.password);
    const auto ids = api.create_documents(token_, count, "bench-");
    for (uint32_t i = 0; i < count; ++i) docs_[i].name = ids[i];
  } else {
    // Peers keep documents by name; a fresh name per run keeps runs against one server apart.
    const std::string run = std::to_string(std::chrono::system_clock::now().time_since_epoch() /
                                           std::chrono::milliseconds(1));
    for (uint32_t i = 0; i < count; ++i) docs_[i].name = "bench-" + run + "-" + std::to_string(i);
    token_ = "bench";
  }
}

uint32_t Runner::add_connection(uint32_t doc) {
  const auto index = static_cast<uint32_t>(conns_.size());
  const Dialect dialect =
      opts_.target == Target::kHocuspocus ? Dialect::kHocuspocus : Dialect::kYWebsocket;
  conns_.push_back(
      std::make_shared<Connection>(io_, *this, index, doc, Wire(dialect, docs_[doc].name), token_));
  docs_[doc].members.push_back(index);
  return index;
}

json Runner::connect(const std::vector<uint32_t>& conns, bool reset) {
  connect_queue_ = conns;
  connect_next_ = connect_in_flight_ = connect_done_ = 0;
  if (reset) {
    handshake_.clear();
    failures_.clear();
  }
  const auto t0 = Clock::now();
  const size_t n = std::min<size_t>(opts_.connect_concurrency, conns.size());
  for (size_t i = 0; i < n; ++i) launch_next_connect();
  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(opts_.connect_timeout));
  run_until([&] { return connect_done_ == connect_queue_.size(); }, deadline);
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  uint64_t synced = 0;
  for (uint32_t i : conns) synced += conns_[i]->state() == Connection::State::kSynced;
  json failures = json::object();
  for (const auto& [why, count] : failures_) failures[why] = count;
  return {{"attempted", conns.size()},
          {"established", synced},
          {"failed", conns.size() - synced},
          {"failures", failures},
          {"seconds", seconds},
          {"handshake_ms", handshake_.summary_ms()}};
}

void Runner::launch_next_connect() {
  if (connect_next_ >= connect_queue_.size()) return;
  const uint32_t i = connect_queue_[connect_next_++];
  ++connect_in_flight_;
  conns_[i]->start(endpoint_for(i));
}

uint16_t Runner::port_of(uint32_t conn) const {
  return soak_ ? soak_->ports[soak_->clients[conn].port_index] : opts_.port;
}

Endpoint Runner::endpoint_for(uint32_t i) const {
  Endpoint ep;
  const uint16_t port = port_of(i);
  ep.host = opts_.host + ":" + std::to_string(port);
  ep.addr = asio::ip::tcp::endpoint(asio::ip::make_address(opts_.host), port);
  if (opts_.source_addresses > 0) {
    const uint32_t k = i % opts_.source_addresses;
    ep.source = asio::ip::make_address_v4((127u << 24) | (k + 1));
  } else {
    ep.source = asio::ip::address_v4::any();
  }
  switch (opts_.target) {
    case Target::kWeft:
      ep.target = "/ws/" + docs_[conns_[i]->doc()].name + "?token=" + token_;
      break;
    case Target::kYWebsocket:
      ep.target = "/" + docs_[conns_[i]->doc()].name;
      break;
    case Target::kHocuspocus:
      ep.target = "/";
      break;
  }
  return ep;
}

void Runner::on_synced(Connection& c, crdt::ByteView state) {
  if (soak_ && soak_->clients[c.index()].reconnecting) return soak_on_resynced(c, state);
  handshake_.add(
      std::chrono::duration_cast<std::chrono::microseconds>(c.synced_at() - c.started_at())
          .count());
  if (opts_.mode == Mode::kCold) docs_[c.doc()].state = crdt::Bytes(state.begin(), state.end());
  if (opts_.mode == Mode::kJoinStorm) {
    // 150 copies of a 20 MB state would be the generator's memory, not the server's: keep the
    // first to check, and every size.
    join_state_bytes_.push_back(state.size());
    if (!docs_[c.doc()].state) docs_[c.doc()].state = crdt::Bytes(state.begin(), state.end());
  }
  ++connect_done_;
  --connect_in_flight_;
  launch_next_connect();
}

void Runner::on_closed(Connection& c, const std::string& why) {
  if (soak_ && soak_on_closed(c, why)) return;
  // Keep the reason's words, not its numbers, so that failures group.
  ++failures_[why.substr(0, 80)];
  if (c.synced_at() == Clock::time_point{}) {
    ++connect_done_;
    --connect_in_flight_;
    launch_next_connect();
  } else {
    ++closed_after_sync_;
  }
}

void Runner::on_update(Connection& c, crdt::ByteView update, bool is_state) {
  if (soak_) {
    if (is_state) return soak_on_state(c, update);
    const int64_t now = now_us();
    scan_markers(update, [&](const Marker& m) { soak_record(c.index(), m, true, now); });
    return;
  }
  if (is_state) {
    auto& doc = docs_[c.doc()];
    if (!doc.state) {
      doc.state = crdt::Bytes(update.begin(), update.end());
      --states_pending_;
    }
    return;
  }
  const int64_t now = now_us();
  scan_markers(update, [&](const Marker& m) {
    if (m.sender == c.index()) {
      ++echoes_;
      return;
    }
    ++c.received;
    ++received_total_;
    latency_.add(now - m.sent_us);
  });
}

void Runner::close_all() {
  for (auto& c : conns_) c->close();
  run_for(0.2);
}

// ---- sending and delivery --------------------------------------------------------------------

uint64_t Runner::send_phase(double rate, double seconds) {
  using Due = std::pair<int64_t, uint32_t>;  // (due time in µs, connection)
  std::priority_queue<Due, std::vector<Due>, std::greater<>> schedule;
  const double interval = 1e6 / rate;
  std::uniform_real_distribution<double> phase(0, interval);
  const int64_t start = now_us();
  const int64_t end = start + static_cast<int64_t>(seconds * 1e6);
  for (const auto& c : conns_) {
    if (c->state() == Connection::State::kSynced) {
      schedule.emplace(start + static_cast<int64_t>(phase(rng_)), c->index());
    }
  }
  uint64_t sent = 0;
  while (!schedule.empty()) {
    const auto [due, i] = schedule.top();
    if (due >= end) break;
    const int64_t now = now_us();
    if (due > now) {
      io_.run_one_until(epoch_ + std::chrono::microseconds(due));
      continue;
    }
    schedule.pop();
    Connection& c = *conns_[i];
    if (c.state() != Connection::State::kSynced) continue;
    c.send_insert(make_marker(Marker{i, c.next_seq++, now_us()}));
    ++docs_[c.doc()].sent_total;
    ++docs_[c.doc()].sent_step;
    ++sent;
    // A client behind schedule sends at once (no omission), but never more than one update per
    // turn of this loop, so a late generator shows up as fewer updates sent, not a burst.
    schedule.emplace(std::max<int64_t>(due + static_cast<int64_t>(interval), now), i);
  }
  return sent;
}

uint64_t Runner::expected_deliveries() const {
  uint64_t expected = 0;
  for (const auto& d : docs_) {
    for (uint32_t m : d.members) {
      const auto& c = *conns_[m];
      if (c.state() == Connection::State::kSynced) expected += d.sent_step - c.sent;
    }
  }
  return expected;
}

bool Runner::drain(double seconds) {
  const uint64_t expected = expected_deliveries();
  return run_until([&] { return received_total_ >= expected; },
                   Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(seconds)));
}

void Runner::reset_counters() {
  for (auto& d : docs_) d.sent_step = 0;
  for (auto& c : conns_) c->received = c->sent = 0;
  received_total_ = 0;
  echoes_ = 0;
  latency_.clear();
}

json Runner::deliveries_json() const {
  uint64_t expected = 0, received = 0, short_clients = 0, extra_clients = 0;
  for (const auto& d : docs_) {
    for (uint32_t m : d.members) {
      const auto& c = *conns_[m];
      if (c.state() != Connection::State::kSynced) continue;
      const uint64_t want = d.sent_step - c.sent;
      expected += want;
      received += c.received;
      short_clients += c.received < want;
      extra_clients += c.received > want;
    }
  }
  return {{"expected", expected},
          {"received", received},
          {"clients_missing_some", short_clients},
          {"clients_with_duplicates", extra_clients},
          {"echoes", echoes_}};
}

json Runner::check_convergence() {
  states_pending_ = 0;
  for (auto& d : docs_) {
    d.state.reset();
    for (uint32_t m : d.members) {
      if (conns_[m]->state() == Connection::State::kSynced) {
        conns_[m]->request_state();
        ++states_pending_;
        break;
      }
    }
  }
  run_until([&] { return states_pending_ == 0; }, Clock::now() + std::chrono::seconds(30));
  uint64_t checked = 0, bad = 0, unanswered = 0;
  std::string first_problem;
  for (size_t i = 0; i < docs_.size(); ++i) {
    auto& d = docs_[i];
    if (!d.state) {
      ++unanswered;
      continue;
    }
    ++checked;
    std::string problem;
    try {
      crdt::Doc doc;
      doc.apply_update(*d.state);
      const std::string text = doc.text("content");
      std::set<std::pair<uint32_t, uint32_t>> seen;
      uint64_t duplicates = 0;
      const size_t found = scan_markers(
          {reinterpret_cast<const uint8_t*>(text.data()), text.size()},
          [&](const Marker& m) { duplicates += !seen.emplace(m.sender, m.seq).second; });
      if (doc.has_pending()) problem = "pending structs";
      if (found != d.sent_total || duplicates > 0 || text.size() != found * kMarkerLength) {
        problem = "holds " + std::to_string(found) + " markers (" + std::to_string(duplicates) +
                  " duplicated) in " + std::to_string(text.size()) + " bytes; sent " +
                  std::to_string(d.sent_total);
      }
    } catch (const std::exception& e) {
      problem = std::string("state does not decode: ") + e.what();
    }
    if (!problem.empty()) {
      ++bad;
      if (first_problem.empty()) first_problem = "document " + d.name + ": " + problem;
    }
  }
  return {{"converged", bad == 0 && unanswered == 0 && checked > 0},
          {"documents_checked", checked},
          {"documents_wrong", bad},
          {"documents_unanswered", unanswered},
          {"first_problem", first_problem}};
}

// ---- scenarios -------------------------------------------------------------------------------

json Runner::run() {
  auto guard = asio::make_work_guard(io_);
  json out;
  switch (opts_.mode) {
    case Mode::kLoad:
      out = run_load();
      break;
    case Mode::kIdle:
      out = run_idle();
      break;
    case Mode::kRamp:
      out = run_ramp();
      break;
    case Mode::kCold:
      out = run_cold();
      break;
    case Mode::kJoinStorm:
      out = run_join_storm();
      break;
    case Mode::kSoak:
      out = run_soak();
      break;
  }
  close_all();
  guard.reset();
  out["mode"] = to_string(opts_.mode);
  out["target"] = to_string(opts_.target);
  return out;
}

namespace {

double cpu_delta(const json& before, const json& after) {
  if (before.is_null() || after.is_null()) return 0;
  return after["cpu_seconds"].get<double>() - before["cpu_seconds"].get<double>();
}

std::vector<uint32_t> all_of(const std::vector<std::shared_ptr<Connection>>& conns) {
  std::vector<uint32_t> v(conns.size());
  for (uint32_t i = 0; i < v.size(); ++i) v[i] = i;
  return v;
}

}  // namespace

json Runner::run_load() {
  prepare_documents(opts_.docs);
  for (uint32_t d = 0; d < opts_.docs; ++d) {
    for (uint32_t k = 0; k < opts_.clients; ++k) add_connection(d);
  }
  json out;
  out["params"] = {{"docs", opts_.docs},
                   {"clients_per_doc", opts_.clients},
                   {"rate_per_client", opts_.rate},
                   {"duration_s", opts_.duration}};
  out["connections"] = connect(all_of(conns_));
  reset_counters();
  const json server0 = server_sample();
  const double self0 = self_cpu_seconds();
  const double busy0 = machine_busy_seconds();
  const auto t0 = Clock::now();
  const uint64_t sent = send_phase(opts_.rate, opts_.duration);
  const double send_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const bool drained = drain(opts_.drain_timeout);
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const json server1 = server_sample();
  const double self1 = self_cpu_seconds();
  const double planned = std::floor(opts_.rate * opts_.duration) *
                         static_cast<double>(out["connections"]["established"].get<uint64_t>());
  out["updates"] = {{"sent", sent},
                    {"planned", planned},
                    {"per_second", static_cast<double>(sent) / send_seconds}};
  out["deliveries"] = deliveries_json();
  out["deliveries"]["drained"] = drained;
  out["latency_ms"] = latency_.summary_ms();
  out["server"] = server1;
  if (!server1.is_null()) {
    out["server"]["cpu_seconds"] = cpu_delta(server0, server1);
    out["server"]["cpu_percent"] = 100 * cpu_delta(server0, server1) / seconds;
  }
  out["generator"] = {{"cpu_seconds", self1 - self0},
                      {"cpu_percent", 100 * (self1 - self0) / seconds}};
  out["others_cpu_percent"] =
      100 * (machine_busy_seconds() - busy0 - (self1 - self0) - cpu_delta(server0, server1)) /
      seconds;
  out["measured_seconds"] = seconds;
  out["convergence"] = check_convergence();
  const auto& del = out["deliveries"];
  out["ok"] = out["convergence"]["converged"].get<bool>() && del["received"] == del["expected"] &&
              del["clients_with_duplicates"] == 0 && out["connections"]["failed"] == 0 &&
              closed_after_sync_ == 0;
  out["closed_during_run"] = closed_after_sync_;
  return out;
}

json Runner::run_idle() {
  prepare_documents(opts_.docs);
  for (uint32_t d = 0; d < opts_.docs; ++d) {
    for (uint32_t k = 0; k < opts_.clients; ++k) add_connection(d);
  }
  json out;
  out["params"] = {
      {"docs", opts_.docs}, {"clients_per_doc", opts_.clients}, {"hold_s", opts_.duration}};
  run_for(1.0);  // let the server settle after creating the documents
  const json before = server_sample();
  const double self0 = self_cpu_seconds();
  // Connect in ten batches and sample the server after each: memory against connections.
  const auto all = all_of(conns_);
  json curve = json::array();
  const size_t batches = std::min<size_t>(10, all.size());
  const auto connect_start = Clock::now();
  for (size_t b = 0; b < batches; ++b) {
    const std::vector<uint32_t> batch(all.begin() + all.size() * b / batches,
                                      all.begin() + all.size() * (b + 1) / batches);
    out["connections"] = connect(batch, b == 0);
    uint64_t synced = 0;
    for (const auto& c : conns_) synced += c->state() == Connection::State::kSynced;
    const json s = server_sample();
    if (!s.is_null()) curve.push_back({{"connections", synced}, {"rss_bytes", s["rss_bytes"]}});
  }
  uint64_t established = 0;
  for (const auto& c : conns_) established += c->state() == Connection::State::kSynced;
  out["connections"]["attempted"] = all.size();
  out["connections"]["established"] = established;
  out["connections"]["failed"] = all.size() - established;
  out["connections"]["seconds"] =
      std::chrono::duration<double>(Clock::now() - connect_start).count();
  out["memory_curve"] = curve;
  run_for(2.0);
  const json after = server_sample();
  out["server_before"] = before;
  out["server_after"] = after;
  if (!before.is_null() && !after.is_null() && established > 0) {
    const double delta = after["rss_bytes"].get<double>() - before["rss_bytes"].get<double>();
    out["memory"] = {{"rss_delta_bytes", delta},
                     {"bytes_per_connection", delta / static_cast<double>(established)}};
  }
  out["generator"] = {{"cpu_seconds", self_cpu_seconds() - self0}};
  if (auto me = sample_process(getpid())) out["generator"]["rss_bytes"] = me->rss_bytes;
  // Hold the connections; the server's keep-alive pings must not drop any.
  run_for(opts_.duration);
  uint64_t alive = 0;
  for (const auto& c : conns_) alive += c->state() == Connection::State::kSynced;
  out["alive_after_hold"] = alive;
  out["server_after_hold"] = server_sample();
  out["ok"] = established == conns_.size() && alive == established;
  return out;
}

json Runner::run_ramp() {
  prepare_documents(opts_.docs);
  for (uint32_t d = 0; d < opts_.docs; ++d) {
    for (uint32_t k = 0; k < opts_.clients; ++k) add_connection(d);
  }
  json out;
  out["params"] = {{"docs", opts_.docs},
                   {"clients_per_doc", opts_.clients},
                   {"start_rate_per_client", opts_.ramp_start},
                   {"factor", opts_.ramp_factor},
                   {"step_s", opts_.ramp_step_seconds},
                   {"p99_bound_ms", opts_.p99_bound_ms}};
  out["connections"] = connect(all_of(conns_));
  json steps = json::array();
  json best = nullptr;
  double rate = opts_.ramp_start;
  for (uint32_t step = 0; step < opts_.ramp_max_steps; ++step, rate *= opts_.ramp_factor) {
    reset_counters();
    const json server0 = server_sample();
    const double self0 = self_cpu_seconds();
    const double busy0 = machine_busy_seconds();
    const auto t0 = Clock::now();
    const uint64_t sent = send_phase(rate, opts_.ramp_step_seconds);
    const double send_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const bool drained = drain(std::max(1.0, 4 * opts_.p99_bound_ms / 1000));
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const json server1 = server_sample();
    const double gen = 100 * (self_cpu_seconds() - self0) / seconds;
    const double others = 100 * (machine_busy_seconds() - busy0) / seconds - gen -
                          100 * cpu_delta(server0, server1) / seconds;
    json lat = latency_.summary_ms();
    const json del = deliveries_json();
    const double p99 = lat["p99"].is_null() ? 0 : lat["p99"].get<double>();
    const bool pass = drained && p99 < opts_.p99_bound_ms && del["expected"] == del["received"] &&
                      closed_after_sync_ == 0;
    json s = {{"rate_per_client", rate},
              {"offered_updates_per_s", rate * static_cast<double>(conns_.size())},
              {"updates_per_s", static_cast<double>(sent) / send_seconds},
              {"deliveries_per_s", del["received"].get<double>() / seconds},
              {"latency_ms", lat},
              {"deliveries", del},
              {"server_cpu_percent", 100 * cpu_delta(server0, server1) / seconds},
              {"generator_cpu_percent", gen},
              {"others_cpu_percent", others},
              {"passed", pass}};
    if (!server1.is_null()) s["server_rss_bytes"] = server1["rss_bytes"];
    steps.push_back(s);
    if (!pass) break;
    best = s;
    // Let the server's queues empty before the next, faster step.
    drain(opts_.drain_timeout);
  }
  out["steps"] = steps;
  out["sustained"] = best;
  out["convergence"] = check_convergence();
  out["ok"] = out["convergence"]["converged"].get<bool>();
  return out;
}

json Runner::run_cold() {
  prepare_documents(1);
  json out;
  out["params"] = {{"bytes", opts_.cold_bytes},
                   {"chunk_bytes", opts_.cold_chunk},
                   {"runs", opts_.cold_runs},
                   {"unload_wait_s", opts_.cold_unload_wait}};
  const std::optional<uint32_t> writer = write_document(out);
  if (!writer) {
    out["ok"] = false;
    return out;
  }
  const size_t stored = out["document_update_bytes"];
  if (opts_.cold_unload_wait > 0) conns_[*writer]->close();

  Latencies load, apply;
  bool all_ok = stored > 0;
  for (uint32_t run = 0; run < opts_.cold_runs; ++run) {
    if (opts_.cold_unload_wait > 0) run_for(opts_.cold_unload_wait);
    docs_[0].state.reset();
    const uint32_t reader = add_connection(0);
    const json c = connect({reader});
    if (c["established"] != 1 || !docs_[0].state) {
      all_ok = false;
      out["failure"] = c;
      break;
    }
    load.add(std::chrono::duration_cast<std::chrono::microseconds>(conns_[reader]->synced_at() -
                                                                   conns_[reader]->started_at())
                 .count());
    const auto a0 = Clock::now();
    crdt::Doc doc;
    doc.apply_update(*docs_[0].state);
    const uint64_t length = doc.text_length("content");
    apply.add(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - a0).count());
    all_ok = all_ok && length == opts_.cold_bytes;
    conns_[reader]->close();
    run_for(0.05);
  }
  out["load_ms"] = load.summary_ms();
  out["client_apply_ms"] = apply.summary_ms();
  out["server"] = server_sample();
  out["ok"] = all_ok;
  return out;
}

std::optional<uint32_t> Runner::write_document(json& out) {
  out["server_before_write"] = server_sample();
  // The writer: one client types the document in chunks of cold_chunk bytes (lines).
  const uint32_t writer = add_connection(0);
  const json c0 = connect({writer});
  if (c0["established"] != 1) {
    out["connections"] = c0;
    return std::nullopt;
  }
  const auto t0 = Clock::now();
  std::u16string line;
  for (size_t written = 0, n = 0; written < opts_.cold_bytes; written += line.size(), ++n) {
    line.assign(std::min(opts_.cold_chunk, opts_.cold_bytes - written) - 1,
                static_cast<char16_t>(u'a' + n % 26));
    line.push_back(u'\n');
    conns_[writer]->send_insert(line);
  }
  // The server answers a sync step 1 after everything sent before it on this connection.
  states_pending_ = 1;
  docs_[0].state.reset();
  conns_[writer]->request_state();
  run_until([&] { return states_pending_ == 0; }, Clock::now() + std::chrono::seconds(600));
  out["write_seconds"] = std::chrono::duration<double>(Clock::now() - t0).count();
  out["document_update_bytes"] = docs_[0].state ? docs_[0].state->size() : 0;
  out["server_after_write"] = server_sample();
  return writer;
}

namespace {

// Resets the process's peak RSS (VmHWM) so that a later sample's peak is the peak since now
// (Linux: "5" to /proc/PID/clear_refs). False when not allowed.
bool reset_peak_rss(pid_t pid) {
  if (pid == 0) return false;
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/clear_refs").c_str(), "w");
  if (!f) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

}  // namespace

json Runner::run_join_storm() {
  prepare_documents(1);
  json out;
  out["params"] = {
      {"bytes", opts_.cold_bytes}, {"chunk_bytes", opts_.cold_chunk}, {"joiners", opts_.clients}};
  const std::optional<uint32_t> writer = write_document(out);
  if (!writer || !docs_[0].state) {
    out["ok"] = false;
    return out;
  }
  const size_t stored = out["document_update_bytes"];
  run_for(2.0);  // the server's own work after the writes (persisting, compaction) settles
  const json before = server_sample();
  out["server_before_storm"] = before;
  out["peak_reset"] = reset_peak_rss(opts_.server_pid);

  // Everyone at once: the joiners' handshakes all start in this turn of the loop.
  docs_[0].state.reset();
  join_state_bytes_.clear();
  std::vector<uint32_t> joiners;
  for (uint32_t k = 0; k < opts_.clients; ++k) joiners.push_back(add_connection(0));
  opts_.connect_concurrency = std::max(opts_.connect_concurrency, opts_.clients);
  out["connections"] = connect(joiners);
  const json after = server_sample();
  out["server_after_storm"] = after;
  if (!before.is_null() && !after.is_null()) {
    out["server_cpu_seconds"] = cpu_delta(before, after);
    // The document's in-memory size as the server holds it: what the writes added to a fresh
    // server (the writer stays connected, so the document stays loaded).
    const double fresh = out["server_before_write"]["rss_bytes"];
    const double loaded = before["rss_bytes"];
    const double peak = out["peak_reset"].get<bool>() ? after["peak_rss_bytes"].get<double>()
                                                      : after["rss_bytes"].get<double>();
    out["memory"] = {{"document_in_memory_bytes", loaded - fresh},
                     {"peak_rss_bytes", peak},
                     {"peak_over_document", peak / std::max(1.0, loaded - fresh)},
                     {"peak_growth_bytes", peak - loaded}};
  }
  // Every joiner must have the whole document: the same state, and it decodes to the text.
  bool all_ok = out["connections"]["established"] == opts_.clients &&
                join_state_bytes_.size() == opts_.clients;
  for (const size_t n : join_state_bytes_) all_ok = all_ok && n == stored;
  if (docs_[0].state) {
    crdt::Doc doc;
    doc.apply_update(*docs_[0].state);
    all_ok = all_ok && doc.text_length("content") == opts_.cold_bytes;
  } else {
    all_ok = false;
  }
  out["ok"] = all_ok;
  return out;
}

}  // namespace bench
