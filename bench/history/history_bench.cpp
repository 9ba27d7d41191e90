// history_bench.cpp — weft-history-bench: what document history costs on a long-edited document
// (issue #13's targets; docs/BENCHMARKS.md, "History").
//
// The document is grown by an editing trace (bench/trace), split among four users on five Yjs
// clients (workload.hpp), applied update by update as a room applies them, with a version
// captured every --every edits (and one at the end, as a room does before it unloads) into a real
// store: a SQLite file in a temporary directory, or PostgreSQL with --postgres URL. BenchRoom
// (bench_room.hpp) makes the room's history steps with the server's own calls, timed one by one.
//
// Figures:
//   grow      the whole trace applied without history and with it, alternately, --runs times
//             (ns per edit, and their ratio); with history, each capture's strand part (encode)
//             and pool part (fingerprint + delta + History::capture), and the thinning after it;
//   list      History::list of 50 versions (the newest page, and a page from the middle);
//   text      history::version_text of the oldest, the middle and the newest version (a diff:
//             version_texts, both texts from one walk of the newer one's chain);
//   diff      both texts + history::diff_lines, for consecutive versions and the middle → newest;
//   blame     of the live text, as GET …/blame computes it (without writing the JSON);
//   storage   the versions' stored bytes against the final encode_state_as_update;
//   restore   Room::restore_version end to end (oldest, middle, newest in turn, each after a
//             one-character edit so that the "restore" capture adds a version).
// The read figures are repeated --reps times; each reports the median, the p99 (nearest rank)
// and the max. Every version's text, size and users are checked against the trace (outside the
// timers) and so is every restore's result; a mismatch exits 1. So --edits 20000 --runs 1 is
// the smoke test make test runs (timings are printed, never asserted).
//
// Output: a readable report on stdout, the Markdown tables of docs/BENCHMARKS.md's History
// section with --markdown FILE (scripts/bench-history splices them in), and one JSON object with
// every figure as the last stdout line.
//
//   weft-history-bench TRACE.json.gz [--every N] [--edits N] [--runs N] [--reps N]
//                      [--postgres URL] [--markdown FILE] [--keep]
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bench/history/bench_room.hpp"
#include "bench/history/workload.hpp"
#include "bench/trace/trace.hpp"
#include "server/history/chain.hpp"
#include "server/history/line_diff.hpp"
#include "store/history.hpp"
#include "store/store.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::ordered_json;

constexpr const char* kUsage =
    "usage: weft-history-bench TRACE.json.gz [--every N] [--edits N] [--runs N] [--reps N]\n"
    "                          [--postgres URL] [--markdown FILE] [--keep]";
constexpr int64_t kRestoringUser = 1;

[[noreturn]] void fail(const std::string& msg) {
  std::cerr << "weft-history-bench: " << msg << "\n";
  std::exit(1);
}

struct Options {
  std::string trace_path;
  size_t every = 1000;
  size_t edits = 0;  // 0: the whole trace
  int runs = 3;
  int reps = 20;
  std::string postgres;
  std::string markdown;
  bool keep = false;
};

long number(const std::string& flag, const std::string& v, long lo, long hi) {
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < lo || n > hi) fail("bad " + flag + " " + v + "\n" + kUsage);
  return n;
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--every" && has_value) {
      o.every = static_cast<size_t>(number(a, argv[++i], 1, 1'000'000'000));
    } else if (a == "--edits" && has_value) {
      o.edits = static_cast<size_t>(number(a, argv[++i], 1, 1'000'000'000));
    } else if (a == "--runs" && has_value) {
      o.runs = static_cast<int>(number(a, argv[++i], 1, 100));
    } else if (a == "--reps" && has_value) {
      o.reps = static_cast<int>(number(a, argv[++i], 1, 10'000));
    } else if (a == "--postgres" && has_value) {
      o.postgres = argv[++i];
    } else if (a == "--markdown" && has_value) {
      o.markdown = argv[++i];
    } else if (a == "--keep") {
      o.keep = true;
    } else if (o.trace_path.empty() && !a.starts_with("-")) {
      o.trace_path = a;
    } else {
      fail("unexpected argument " + a + "\n" + kUsage);
    }
  }
  if (o.trace_path.empty()) fail(kUsage);
  return o;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Times in milliseconds; median, p99 (nearest rank) and max.
class Samples {
 public:
  void add(double ms) { ms_.push_back(ms); }
  size_t count() const { return ms_.size(); }
  double last() const { return ms_.empty() ? 0 : ms_.back(); }
  double median() const {
    const auto s = sorted();
    const size_t m = s.size() / 2;
    return s.empty() ? 0 : s.size() % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  }
  double p99() const {
    const auto s = sorted();
    if (s.empty()) return 0;
    const auto rank = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(s.size())));
    return s[std::max<size_t>(rank, 1) - 1];
  }
  double max() const { return ms_.empty() ? 0 : *std::max_element(ms_.begin(), ms_.end()); }
  ordered_json json() const {
    return {{"median_ms", median()}, {"p99_ms", p99()}, {"max_ms", max()}, {"n", count()}};
  }

 private:
  std::vector<double> sorted() const {
    std::vector<double> s = ms_;
    std::sort(s.begin(), s.end());
    return s;
  }
  std::vector<double> ms_;
};

// ---- the store ------------------------------------------------------------------------------

// Where the versions go: a SQLite file per grow run in a temporary directory, or one PostgreSQL
// database with a document per run.
class Backend {
 public:
  explicit Backend(const Options& o) : postgres_(o.postgres), keep_(o.keep) {
    if (postgres_.empty()) {
      std::string tmpl = (std::filesystem::temp_directory_path() / "weft-history-bench-XXXXXX");
      if (!mkdtemp(tmpl.data())) fail("cannot create a temporary directory");
      dir_ = tmpl;
    }
  }
  ~Backend() {
    store_.reset();
    if (!dir_.empty() && !keep_) std::filesystem::remove_all(dir_);
  }
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // A fresh store and document for grow run `run` (the previous run's store is closed).
  store::Store& fresh(int run) {
    store_.reset();
    if (postgres_.empty()) {
      if (!path_.empty() && !keep_) {
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
      }
      path_ = (dir_ / ("run-" + std::to_string(run) + ".db")).string();
      store_ = store::open_sqlite(path_);
      document_id_ = 1;
    } else {
      store_ = store::open_postgres(postgres_, 2);
      document_id_ = 990000 + run;  // out of the way of the small ids tests use
      store_->transact([&](store::Sql& sql) {
        sql.exec("DELETE FROM documents WHERE id = $1", {document_id_});
      });
    }
    store_->ensure_document(document_id_);
    return *store_;
  }
  store::Store& store() { return *store_; }
  int64_t document_id() const { return document_id_; }
  bool sqlite() const { return postgres_.empty(); }
  std::string name() const { return sqlite() ? "SQLite" : "PostgreSQL"; }
  // Bytes of the database file ("") or its WAL ("-wal"); SQLite only.
  uint64_t file_bytes(const char* suffix) const {
    std::error_code ec;
    const auto n = std::filesystem::file_size(path_ + suffix, ec);
    return ec ? 0 : n;
  }
  std::string path() const { return path_; }

 private:
  std::string postgres_;
  bool keep_;
  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<store::Store> store_;
  int64_t document_id_ = 1;
};

// ---- growing the document -------------------------------------------------------------------

double grow_without_history(const bench::Workload& w, std::unique_ptr<crdt::Doc>& keep) {
  auto doc = std::make_unique<crdt::Doc>();
  const auto t0 = Clock::now();
  for (const crdt::Bytes& u : w.updates) doc->apply_update(u);
  const double ms = ms_since(t0);
  keep = std::move(doc);
  return ms;
}

struct Grown {
  double ms = 0;       // everything, on one thread
  double pool_ms = 0;  // of which the server runs on the blocking pool
  std::vector<bench::CaptureTimes> captures;
  std::unique_ptr<bench::BenchRoom> room;
};

Grown grow_with_history(const bench::Workload& w, store::Store& store, int64_t document_id) {
  Grown g;
  g.room = std::make_unique<bench::BenchRoom>(store, document_id);
  size_t next = 0;
  const auto t0 = Clock::now();
  for (size_t i = 0; i < w.updates.size(); ++i) {
    g.pool_ms += g.room->apply(w.updates[i], bench::kAuthors[w.author[i]].user_id);
    if (next < w.capture_after.size() && i + 1 == w.capture_after[next]) {
      g.captures.push_back(g.room->capture("auto"));
      g.pool_ms += g.captures.back().pool + g.captures.back().thin;
      ++next;
    }
  }
  g.ms = ms_since(t0);
  return g;
}

// ---- checks (outside the timers) ------------------------------------------------------------

// Every version holds the trace's text at its point, its size and its users.
std::vector<store::Version> check_versions(const bench::Workload& w, store::Store& store,
                                           int64_t id) {
  auto versions = store::History(store).list(id, std::nullopt, 1'000'000);
  std::reverse(versions.begin(), versions.end());
  if (versions.size() != w.texts.size()) {
    fail("expected " + std::to_string(w.texts.size()) + " versions, found " +
         std::to_string(versions.size()));
  }
  for (size_t k = 0; k < versions.size(); ++k) {
    const store::Version& v = versions[k];
    const auto text = weft::history::version_text(store, id, v.id);
    const std::string at = "version " + std::to_string(k + 1) + " (after edit " +
                           std::to_string(w.capture_after[k]) + ")";
    if (!text || *text != w.texts[k]) fail(at + ": its text is not the trace's at that point");
    if (v.size != static_cast<int64_t>(w.texts[k].size())) fail(at + ": wrong size");
    if (v.user_ids != w.users[k]) fail(at + ": wrong users");
  }
  return versions;
}

// Blame covers the text line by line, and names a known user for every character.
void check_blame(const std::vector<weft::history::BlameLine>& lines, const std::string& text) {
  const auto breaks = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  if (lines.size() != breaks + 1) fail("blame: wrong number of lines");
  for (const auto& line : lines) {
    for (const auto& span : line.spans) {
      if (span.user_id < 1 || span.user_id > 4) fail("blame: a span without a known user");
      if (!span.version) fail("blame: a span newer than every version");
    }
  }
}

// ---- report ---------------------------------------------------------------------------------

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

std::string grouped(uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

std::string ms_cell(double ms) { return fixed(ms, ms < 10 ? 2 : 1); }

struct Row {
  std::string figure;
  Samples samples;
  double target_ms = 0;  // 0: none
};

std::string samples_table(const std::vector<Row>& rows) {
  std::ostringstream md;
  md << "| figure | median ms | p99 ms | max ms | n | target | met |\n"
        "|---|---:|---:|---:|---:|---:|:---:|\n";
  for (const Row& r : rows) {
    const bool has_target = r.target_ms > 0;
    md << "| " << r.figure << " | " << ms_cell(r.samples.median()) << " | "
       << ms_cell(r.samples.p99()) << " | " << ms_cell(r.samples.max()) << " | "
       << r.samples.count() << " | "
       << (has_target ? "< " + fixed(r.target_ms, 0) + " ms" : std::string()) << " | "
       << (has_target ? (r.samples.p99() < r.target_ms ? "yes" : "**no**") : std::string())
       << " |\n";
  }
  return md.str();
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  bench::Trace trace;
  try {
    trace = bench::load_trace(o.trace_path);
  } catch (const bench::TraceError& e) {
    fail(e.what());
  }
  const auto t_workload = Clock::now();
  bench::Workload w;
  try {
    w = bench::make_workload(trace, o.edits, o.every);
  } catch (const std::exception& e) {
    fail(e.what());
  }
  const size_t edits = w.updates.size();
  std::cerr << "weft-history-bench: " << trace.name << ": " << edits << " edits by "
            << bench::kAuthorCount << " clients, " << w.texts.size() << " versions, "
            << w.texts.back().size() << " bytes of final text (workload made in "
            << fixed(ms_since(t_workload) / 1000, 1) << " s)\n";

  Backend backend(o);

  // ---- grow: without and with history, alternately ----
  Samples plain_ms, history_ms, history_strand_ms;
  Samples cap_strand, cap_pool, cap_thin, last_strand, last_pool;
  Grown grown;
  {
    std::unique_ptr<crdt::Doc> warm_up;  // the first replay also pays for the allocator's growth
    grow_without_history(w, warm_up);
  }
  for (int run = 0; run < o.runs; ++run) {
    std::unique_ptr<crdt::Doc> plain_doc;
    plain_ms.add(grow_without_history(w, plain_doc));
    if (plain_doc->text("content") != w.texts.back()) fail("without history: wrong final text");
    plain_doc.reset();
    store::Store& store = backend.fresh(run);
    grown = grow_with_history(w, store, backend.document_id());
    history_ms.add(grown.ms);
    history_strand_ms.add(grown.ms - grown.pool_ms);
    for (const auto& c : grown.captures) {
      if (!c.added) fail("a capture added no version");
      cap_strand.add(c.strand);
      cap_pool.add(c.pool);
      cap_thin.add(c.thin);
    }
    last_strand.add(grown.captures.back().strand);
    last_pool.add(grown.captures.back().pool);
    std::cerr << "  run " << run + 1 << ": without history " << fixed(plain_ms.last(), 0)
              << " ms, with " << fixed(grown.ms, 0) << " ms (pool " << fixed(grown.pool_ms, 0)
              << " ms)\n";
  }
  bench::BenchRoom& room = *grown.room;
  store::Store& store = backend.store();
  const int64_t id = backend.document_id();
  if (room.doc().text("content") != w.texts.back()) fail("with history: wrong final text");

  // ---- correctness of every version (untimed) ----
  const auto t_check = Clock::now();
  const std::vector<store::Version> versions = check_versions(w, store, id);
  std::cerr << "  checked " << versions.size() << " versions against the trace in "
            << fixed(ms_since(t_check) / 1000, 1) << " s\n";
  const size_t n = versions.size();
  const store::Version& oldest = versions.front();
  const store::Version& middle = versions[n / 2];
  const store::Version& newest = versions.back();
  const store::Version& second_newest = versions[n >= 2 ? n - 2 : 0];

  // ---- storage (before restore adds versions) ----
  const crdt::Bytes final_state = room.doc().encode_state_as_update();
  int64_t count = 0, delta_bytes = 0, sv_bytes = 0, fp_bytes = 0, max_delta = 0;
  int64_t checkpoints = 0, checkpoint_bytes = 0;
  store.transact([&](store::Sql& sql) {
    const auto rows = sql.exec(
        "SELECT COUNT(*), SUM(length(delta)), SUM(length(state_vector)), SUM(length(fingerprint)),"
        " MAX(length(delta)) FROM document_versions WHERE document_id = $1",
        {id});
    const auto cp = sql.exec(
        "SELECT COUNT(*), COALESCE(SUM(length(state)), 0) FROM document_checkpoints"
        " WHERE document_id = $1",
        {id});
    checkpoints = cp.at(0).int64(0);
    checkpoint_bytes = cp.at(0).int64(1);
    count = rows.at(0).int64(0);
    delta_bytes = rows.at(0).int64(1);
    sv_bytes = rows.at(0).int64(2);
    fp_bytes = rows.at(0).int64(3);
    max_delta = rows.at(0).int64(4);
  });
  crdt::DeleteSet final_ds = crdt::decode_update(final_state).ds;
  final_ds.sort_and_merge();
  crdt::Encoder ds_enc;
  final_ds.write(ds_enc);
  const size_t final_ds_bytes = ds_enc.take().size();
  const int64_t stored = delta_bytes + sv_bytes + fp_bytes + checkpoint_bytes;
  const double storage_ratio =
      static_cast<double>(stored) / static_cast<double>(final_state.size());
  // The delete sets inside the deltas: each delta carries its state's whole delete set.
  size_t delta_ds_bytes = 0;
  for (const store::Bytes& delta : store::History(store).chain(id, newest.id)) {
    crdt::Encoder enc;
    crdt::decode_update(delta).ds.write(enc);
    delta_ds_bytes += enc.take().size();
  }
  const uint64_t db_bytes = backend.sqlite() ? backend.file_bytes("") : 0;
  const uint64_t wal_bytes = backend.sqlite() ? backend.file_bytes("-wal") : 0;

  // ---- reads ----
  Row list_newest{"list 50 (newest page)", {}, 5},
      list_middle{"list 50 (before the middle)", {}, 5};
  Row text_oldest{"version_text, oldest", {}, 20}, text_middle{"version_text, middle", {}, 20},
      text_newest{"version_text, newest", {}, 20};
  Row diff_next{"diff, newest − 1 → newest", {}, 20}, diff_far{"diff, middle → newest", {}, 20};
  Row blame_total{"blame (whole document)", {}, 20}, blame_runs{"… runs (strand)", {}, 0},
      blame_store{"… clients + points", {}, 0}, blame_walk{"… history::blame", {}, 0};
  size_t diff_next_runs = 0, diff_far_runs = 0, blame_lines = 0;
  for (int rep = 0; rep < o.reps; ++rep) {
    auto t0 = Clock::now();
    const auto page = store::History(store).list(id, std::nullopt, 50);
    list_newest.samples.add(ms_since(t0));
    t0 = Clock::now();
    const auto page2 = store::History(store).list(id, middle.id, 50);
    list_middle.samples.add(ms_since(t0));
    if (page.size() != std::min<size_t>(50, n) || page2.empty()) fail("list: wrong page size");

    for (auto [row, v] : {std::pair{&text_oldest, &oldest}, std::pair{&text_middle, &middle},
                          std::pair{&text_newest, &newest}}) {
      t0 = Clock::now();
      const auto text = weft::history::version_text(store, id, v->id);
      row->samples.add(ms_since(t0));
      if (!text) fail("version_text: no version");
    }
    for (auto [row, from, runs] : {std::tuple{&diff_next, &second_newest, &diff_next_runs},
                                   std::tuple{&diff_far, &middle, &diff_far_runs}}) {
      t0 = Clock::now();
      const auto [a, b] = weft::history::version_texts(store, id, from->id, newest.id);
      if (!a || !b) fail("version_texts: no version");
      const auto d = weft::history::diff_lines(*a, *b);
      row->samples.add(ms_since(t0));
      *runs = d.size();
    }
    const bench::BlameTimes b = room.blame();
    blame_total.samples.add(b.total);
    blame_runs.samples.add(b.runs);
    blame_store.samples.add(b.store);
    blame_walk.samples.add(b.walk);
    blame_lines = b.lines.size();
    if (rep == 0) check_blame(b.lines, w.texts.back());
  }

  // ---- restore: oldest, middle, newest in turn ----
  Row restore_rows[3] = {
      {"restore oldest", {}, 20}, {"restore middle", {}, 20}, {"restore newest", {}, 20}};
  Samples restore_text, restore_capture, restore_edit, restore_aliases, restore_thin;
  const store::Version* targets[3] = {&oldest, &middle, &newest};
  const size_t target_index[3] = {0, n / 2, n - 1};
  for (int rep = 0; rep < o.reps; ++rep) {
    for (int t = 0; t < 3; ++t) {
      // Someone types first, so the "restore" capture has a new state to keep.
      crdt::Doc& doc = room.doc();
      doc.set_client_id(bench::kAuthors[1].client);
      const crdt::Bytes typed =
          doc.transact([&](crdt::Transaction& tr) { doc.insert_text(tr, "content", 0, u"x"); });
      (void)typed;
      bench::RestoreTimes times;
      if (!room.restore(targets[t]->id, kRestoringUser, times)) fail("restore: no version");
      if (!times.restore.added) fail("restore: the restore capture added no version");
      if (doc.text("content") != w.texts[target_index[t]]) fail("restore: wrong text");
      restore_rows[t].samples.add(times.total);
      restore_text.add(times.text);
      restore_capture.add(times.restore.strand + times.restore.pool);
      restore_thin.add(times.restore.thin);
      restore_edit.add(times.edit);
      restore_aliases.add(times.aliases);
    }
  }

  // ---- report ----
  const auto per_edit = [&](double ms) { return ms * 1e6 / static_cast<double>(edits); };
  const double plain_ns = per_edit(plain_ms.median());
  const double history_ns = per_edit(history_ms.median());
  const double strand_ns = per_edit(history_strand_ms.median());

  std::ostringstream md;
  md << "#### Growing the document (" << o.runs << " runs of each, alternating)\n\n"
     << "| | ms for " << grouped(edits) << " edits | ns per edit | × without |\n"
     << "|---|---:|---:|---:|\n"
     << "| without history | " << fixed(plain_ms.median(), 1) << " | " << fixed(plain_ns, 0)
     << " | 1.00× |\n"
     << "| with history, the room's strand (apply + history's per-update part + encode) | "
     << fixed(history_strand_ms.median(), 1) << " | " << fixed(strand_ns, 0) << " | "
     << fixed(strand_ns / plain_ns, 2) << "× |\n"
     << "| with history, everything (+ the pool's fingerprint, delta, store write, thinning) | "
     << fixed(history_ms.median(), 1) << " | " << fixed(history_ns, 0) << " | "
     << fixed(history_ns / plain_ns, 2) << "× |\n\n";
  md << "#### One capture (" << cap_strand.count() << " captures: " << w.texts.size()
     << " per run × " << o.runs << " runs)\n\n"
     << samples_table(
            {{"strand: encode_state_as_update + encode_state_vector + text size", cap_strand, 0},
             {"pool: fingerprint + delta + History::capture", cap_pool, 0},
             {"pool: History::thin and ::checkpoint after it", cap_thin, 0},
             {"strand, the last capture (final size)", last_strand, 0},
             {"pool, the last capture (final size)", last_pool, 0}})
     << "\n";
  md << "#### Reading history (" << o.reps << " repetitions; targets on the p99)\n\n"
     << samples_table({list_newest, list_middle, text_oldest, text_middle, text_newest, diff_next,
                       diff_far, blame_total, blame_runs, blame_store, blame_walk})
     << "\nThe diffs have " << diff_next_runs << " and " << diff_far_runs << " runs; blame has "
     << grouped(blame_lines) << " lines.\n\n";
  md << "#### Restore, server side end to end (" << o.reps
     << " of each, in turn; each after a one-character edit)\n\n"
     << samples_table(
            {restore_rows[0],
             restore_rows[1],
             restore_rows[2],
             {"… version_doc, its text and runs (pool, beside the capture)", restore_text, 0},
             {"… restore capture (strand + pool), beside the rebuild", restore_capture, 0},
             {"… the edit and its aliases (strand)", restore_edit, 0},
             {"after the answer: recording the aliases (pool)", restore_aliases, 0},
             {"after the answer: History::thin and ::checkpoint (pool)", restore_thin, 0}})
     << "\n";
  md << "#### Storage (" << count << " versions, before the restores)\n\n"
     << "| | bytes |\n|---|---:|\n"
     << "| deltas (SUM(length(delta))) | " << grouped(static_cast<uint64_t>(delta_bytes)) << " |\n"
     << "| … of which their delete sets | " << grouped(delta_ds_bytes) << " |\n"
     << "| state vectors | " << grouped(static_cast<uint64_t>(sv_bytes)) << " |\n"
     << "| fingerprints | " << grouped(static_cast<uint64_t>(fp_bytes)) << " |\n"
     << "| checkpoints (" << checkpoints << ", one every " << weft::history::kCheckpointEvery
     << " versions) | " << grouped(static_cast<uint64_t>(checkpoint_bytes)) << " |\n"
     << "| **stored, all told** | **" << grouped(static_cast<uint64_t>(stored)) << "** |\n"
     << "| the final state (encode_state_as_update) | " << grouped(final_state.size()) << " |\n"
     << "| … of which its delete set | " << grouped(final_ds_bytes) << " |\n"
     << "| the largest delta | " << grouped(static_cast<uint64_t>(max_delta)) << " |\n"
     << "| the final text (UTF-8) | " << grouped(w.texts.back().size()) << " |\n"
     << "| all " << grouped(edits) << " updates as sent | " << grouped(w.update_bytes) << " |\n";
  if (backend.sqlite()) {
    md << "| the SQLite file | " << grouped(db_bytes) << " |\n"
       << "| … and its WAL (not checkpointed) | " << grouped(wal_bytes) << " |\n";
  }
  md << "\nStored / final state: **" << fixed(storage_ratio, 1)
     << "×** (target ≤ 10×: " << (storage_ratio <= 10 ? "met" : "**missed**") << ").\n";

  std::cout << "weft-history-bench: " << trace.name << ", " << grouped(edits) << " edits, "
            << w.texts.size() << " versions, " << backend.name() << "\n\n"
            << md.str() << "\n";
  if (!o.markdown.empty()) {
    std::ofstream f(o.markdown);
    f << md.str();
    if (!f) fail("cannot write " + o.markdown);
  }

  ordered_json out;
  out["trace"] = trace.name;
  out["edits"] = edits;
  out["versions"] = count;
  out["store"] = backend.name();
  out["grow"] = {{"without_history_ns_per_edit", plain_ns},
                 {"with_history_strand_ns_per_edit", strand_ns},
                 {"with_history_ns_per_edit", history_ns},
                 {"ratio", history_ns / plain_ns},
                 {"strand_ratio", strand_ns / plain_ns}};
  out["capture"] = {{"strand", cap_strand.json()},
                    {"pool", cap_pool.json()},
                    {"thin", cap_thin.json()},
                    {"last_strand", last_strand.json()},
                    {"last_pool", last_pool.json()}};
  for (const Row* r :
       {&list_newest, &list_middle, &text_oldest, &text_middle, &text_newest, &diff_next, &diff_far,
        &blame_total, &restore_rows[0], &restore_rows[1], &restore_rows[2]}) {
    out["reads"][r->figure] = r->samples.json();
  }
  out["storage"] = {{"delta_bytes", delta_bytes},
                    {"state_vector_bytes", sv_bytes},
                    {"fingerprint_bytes", fp_bytes},
                    {"checkpoint_bytes", checkpoint_bytes},
                    {"checkpoints", checkpoints},
                    {"stored_bytes", stored},
                    {"final_state_bytes", final_state.size()},
                    {"ratio", storage_ratio},
                    {"delta_delete_set_bytes", delta_ds_bytes},
                    {"file_bytes", db_bytes},
                    {"wal_bytes", wal_bytes}};
  if (o.keep && backend.sqlite()) std::cerr << "  kept " << backend.path() << "\n";
  std::cout << out.dump() << std::endl;
  return 0;
}
