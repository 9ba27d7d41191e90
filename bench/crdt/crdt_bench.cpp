// crdt_bench.cpp — weft-crdt-bench: the Weft side of the CRDT benchmark, and the driver that
// compares it with Yjs.
//
// Replays one sequential editing trace ({startContent: "", endContent, txns: [{patches:
// [[pos, deleteCount, insertText], ...]}]}, gzipped JSON) into the text "content" of a fresh
// crdt::Doc, one transact per txn, and times the same figures, with the same definitions, as
// bench/crdt/yjs_bench.mjs: local apply (without and with keeping the per-txn updates),
// encode_state_as_update, loading the encoded doc, a pairwise tree merge of the per-txn updates,
// replaying them into a fresh doc, diff_update against the state vector of a doc that holds the
// first half of the updates, and the memory a loaded doc holds (glibc mallinfo2 uordblks + hblkhd
// before and after loading, the doc kept alive). Every figure is the median of N runs timed with
// std::chrono::steady_clock; every result is checked against endContent outside the timed region,
// and the program exits 1 on a mismatch. Objects a timed run creates are destroyed after its timer
// stops (yjs's garbage is collected outside its timers too).
//
// Unless --no-yjs is given it then runs `node --expose-gc <yjs-script> <trace> --runs N`, reads the
// JSON object on that script's last stdout line, and prints a table of both sides with the
// yjs/weft ratios. The last stdout line is always one JSON object:
//   {"trace", "runs", "figures": {"<figure>": {"weft_ms", "yjs_ms", "yjs_over_weft"}, ...,
//    "memory_after_load": {"weft_bytes", "yjs_bytes", "yjs_over_weft"}},
//    "encoded_bytes": {"weft", "yjs"}}
// (yjs values are null with --no-yjs).
//
//   weft-crdt-bench TRACE.json.gz [--runs N] [--yjs-script bench/crdt/yjs_bench.mjs] [--no-yjs]
#include <malloc.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bench/trace/trace.hpp"
#include "crdt/doc.hpp"
#include "crdt/update.hpp"

namespace {

using crdt::Bytes;
using crdt::ByteView;
using crdt::Doc;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: weft-crdt-bench TRACE.json.gz [--runs N] [--yjs-script PATH] [--no-yjs]";
constexpr const char* kText = "content";

[[noreturn]] void fail(const std::string& msg) {
  std::cerr << "weft-crdt-bench: " << msg << "\n";
  std::exit(1);
}

struct Options {
  std::string trace_path;
  int runs = 5;
  std::string yjs_script = WEFT_YJS_SCRIPT;
  bool yjs = true;
};

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      const std::string v = argv[++i];
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 1 || n > 1000) fail("bad --runs " + v + "\n" + kUsage);
      o.runs = static_cast<int>(n);
    } else if (a == "--yjs-script" && i + 1 < argc) {
      o.yjs_script = argv[++i];
    } else if (a == "--no-yjs") {
      o.yjs = false;
    } else if (o.trace_path.empty() && !a.starts_with("-")) {
      o.trace_path = a;
    } else {
      fail("unexpected argument " + a + "\n" + kUsage);
    }
  }
  if (o.trace_path.empty()) fail(kUsage);
  return o;
}

// ---- the trace ----------------------------------------------------------------------------

using bench::Patch;
using bench::Trace;
using bench::Txn;

Trace load_trace(const std::string& path) {
  try {
    return bench::load_trace(path);
  } catch (const bench::TraceError& e) {
    fail(e.what());
  }
}

// ---- timing ---------------------------------------------------------------------------------

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const size_t m = xs.size() / 2;
  return xs.size() % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
}

// Runs fn() `runs` times and returns the times; `keep` receives the last result. Each result is
// destroyed only after its timer has stopped.
template <typename R, typename Fn>
std::vector<double> bench(int runs, R& keep, Fn&& fn) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    R r = fn();
    times.push_back(ms_since(t0));
    keep = std::move(r);
  }
  return times;
}

class Checker {
 public:
  explicit Checker(const std::string& want) : want_(want) {}
  void operator()(const std::string& what, const std::string& got) const {
    if (got != want_) {
      fail(what + ": CONTENT MISMATCH (got " + std::to_string(got.size()) + " bytes, want " +
           std::to_string(want_.size()) + ")");
    }
  }

 private:
  const std::string& want_;
};

// ---- the Weft figures -----------------------------------------------------------------------

struct LocalRun {
  double ms;
  std::unique_ptr<Doc> doc;
  std::vector<Bytes> updates;
};

// Local editing: one transaction per txn; delete then insert per patch.
LocalRun apply_local(const Trace& t, bool keep_updates) {
  LocalRun r{0, std::make_unique<Doc>(), {}};
  Doc& doc = *r.doc;
  const auto t0 = Clock::now();
  for (const Txn& txn : t.txns) {
    Bytes u = doc.transact(
        [&](crdt::Transaction& tr) {
          for (const Patch& p : txn) {
            if (p.del > 0) doc.delete_text(tr, kText, p.pos, p.del);
            if (!p.ins.empty()) doc.insert_text(tr, kText, p.pos, p.ins);
          }
        },
        keep_updates);
    // Y.Doc emits 'update' only for transactions that changed something.
    if (keep_updates && !u.empty()) r.updates.push_back(std::move(u));
  }
  r.ms = ms_since(t0);
  return r;
}

struct Loaded {
  std::unique_ptr<Doc> doc;
  std::string text;
};

Loaded load(ByteView update) {
  Loaded l{std::make_unique<Doc>(), {}};
  l.doc->apply_update(update);
  l.text = l.doc->text(kText);
  return l;
}

// Tree merge in pairwise rounds, exactly as yjs_bench.mjs: each round merges adjacent pairs
// (0+1, 2+3, ...; an odd last update is carried over) until one update remains.
Bytes merge_tree(const std::vector<Bytes>& updates) {
  if (updates.empty()) return crdt::merge_updates({});
  if (updates.size() == 1) return updates[0];
  // The first round reads `updates`; later rounds own their level and can move the odd last one.
  std::vector<Bytes> level;
  const auto round = [&level](const std::vector<Bytes>& cur, bool owned) {
    std::vector<Bytes> next;
    next.reserve((cur.size() + 1) / 2);
    for (size_t i = 0; i < cur.size(); i += 2) {
      if (i + 1 < cur.size()) {
        next.push_back(crdt::merge_updates({ByteView(cur[i]), ByteView(cur[i + 1])}));
      } else {
        next.push_back(owned ? std::move(level[i]) : cur[i]);
      }
    }
    level = std::move(next);
  };
  round(updates, false);
  while (level.size() > 1) round(level, true);
  return std::move(level[0]);
}

// Bytes malloc has handed out and not got back: the heap arenas (uordblks) plus the chunks
// big enough to get their own mmap (hblkhd), e.g. a large struct vector.
size_t heap_in_use() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

struct WeftResult {
  std::vector<std::pair<std::string, double>> ms;  // figure name -> median ms, in output order
  double memory_bytes = 0;
  size_t encoded_bytes = 0;
  size_t n_updates = 0;
};

WeftResult run_weft(const Trace& t, int runs) {
  const Checker check(t.end_content);
  WeftResult res;
  auto add = [&](const char* name, const std::vector<double>& times) {
    res.ms.emplace_back(name, median(times));
  };

  // apply_local, apply_local_keep_updates (own timer: excludes the content check)
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    LocalRun r = apply_local(t, false);
    check("apply_local", r.doc->text(kText));
    times.push_back(r.ms);
  }
  add("apply_local", times);
  times.clear();
  LocalRun final_run;
  for (int i = 0; i < runs; ++i) {
    LocalRun r = apply_local(t, true);
    check("apply_local_keep_updates", r.doc->text(kText));
    times.push_back(r.ms);
    final_run = std::move(r);
  }
  add("apply_local_keep_updates", times);
  const Doc& final_doc = *final_run.doc;
  const std::vector<Bytes>& updates = final_run.updates;
  res.n_updates = updates.size();

  // encode_state
  Bytes encoded;
  add("encode_state", bench(runs, encoded, [&] { return final_doc.encode_state_as_update(); }));
  res.encoded_bytes = encoded.size();

  // load
  Loaded loaded;
  add("load", bench(runs, loaded, [&] { return load(encoded); }));
  check("load", loaded.text);
  loaded = {};

  // merge_updates
  Bytes merged;
  add("merge_updates", bench(runs, merged, [&] { return merge_tree(updates); }));
  check("merge_updates", load(merged).text);

  // replay_updates
  add("replay_updates", bench(runs, loaded, [&] {
        Loaded l{std::make_unique<Doc>(), {}};
        for (const Bytes& u : updates) l.doc->apply_update(u);
        l.text = l.doc->text(kText);
        return l;
      }));
  check("replay_updates", loaded.text);
  loaded = {};

  // diff_update: what a peer holding the first half of the updates is missing
  Doc half_doc;
  for (size_t i = 0; i < updates.size() / 2; ++i) half_doc.apply_update(updates[i]);
  const Bytes half_sv = half_doc.encode_state_vector();
  Bytes diff;
  add("diff_update", bench(runs, diff, [&] { return crdt::diff_update(encoded, half_sv); }));
  half_doc.apply_update(diff);
  check("diff_update", half_doc.text(kText));

  // memory_after_load: heap held by one loaded doc
  times.clear();
  for (int i = 0; i < runs; ++i) {
    const size_t before = heap_in_use();
    auto doc = std::make_unique<Doc>();
    doc->apply_update(encoded);
    const size_t after = heap_in_use();
    times.push_back(static_cast<double>(after) - static_cast<double>(before));
    check("memory_after_load", doc->text(kText));
  }
  res.memory_bytes = median(times);
  return res;
}

// ---- the Yjs side ---------------------------------------------------------------------------

// Runs yjs_bench.mjs (its table goes to our stderr) and returns the JSON of its last line.
nlohmann::json run_yjs(const Options& o) {
  auto quote = [](const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  const std::string cmd = "node --expose-gc " + quote(o.yjs_script) + " " + quote(o.trace_path) +
                          " --runs " + std::to_string(o.runs);
  std::cout << std::flush;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) fail("cannot run: " + cmd);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string how = status != -1 && WIFEXITED(status)
                                ? "exit code " + std::to_string(WEXITSTATUS(status))
                                : "status " + std::to_string(status);
    fail("yjs side failed (" + cmd + "): " + how);
  }
  std::string last;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) last = line;
  }
  try {
    nlohmann::json j = nlohmann::json::parse(last);
    (void)j.at("figures").at("heap_after_load_bytes").get<double>();
    return j;
  } catch (const std::exception& e) {
    fail("cannot parse the last line of the yjs side (" + std::string(e.what()) + "): " + last);
  }
}

// ---- output ---------------------------------------------------------------------------------

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

double round3(double x) { return std::round(x * 1000) / 1000; }

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w;
  for (const auto& row : rows) {
    w.resize(std::max(w.size(), row.size()), 0);
    for (size_t c = 0; c < row.size(); ++c) w[c] = std::max(w[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(w[c] - row[c].size(), ' ');
      line += c == 0 ? row[c] + pad : "  " + pad + row[c];
    }
    std::cout << line << "\n";
  }
}

int run(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  const Trace trace = load_trace(o.trace_path);
  size_t patches = 0;
  for (const Txn& txn : trace.txns) patches += txn.size();
  std::cerr << "weft-crdt-bench: " << trace.name << ": " << trace.txns.size() << " txns, "
            << patches << " patches, " << trace.end_content.size() << " bytes of endContent, "
            << o.runs << " run(s)\n";

  const WeftResult weft = run_weft(trace, o.runs);
  std::optional<nlohmann::json> yjs;
  if (o.yjs) yjs = run_yjs(o);

  nlohmann::ordered_json out;
  out["trace"] = trace.name;
  out["runs"] = o.runs;
  nlohmann::ordered_json& figures = out["figures"];
  std::vector<std::vector<std::string>> rows{{"figure", "weft ms", "yjs ms", "yjs/weft"}};
  auto ratio_cell = [](const nlohmann::ordered_json& r) {
    return r.is_null() ? std::string("-") : fixed(r.get<double>(), 1) + "x";
  };
  for (const auto& [name, ms] : weft.ms) {
    nlohmann::ordered_json f{
        {"weft_ms", round3(ms)}, {"yjs_ms", nullptr}, {"yjs_over_weft", nullptr}};
    if (yjs) {
      const double y = yjs->at("figures").at(name + "_ms").get<double>();
      f["yjs_ms"] = y;
      f["yjs_over_weft"] = round3(y / ms);
    }
    rows.push_back({name, fixed(ms, 1), yjs ? fixed(f["yjs_ms"].get<double>(), 1) : "-",
                    ratio_cell(f["yjs_over_weft"])});
    figures[name] = f;
  }
  nlohmann::ordered_json mem{{"weft_bytes", static_cast<int64_t>(weft.memory_bytes)},
                             {"yjs_bytes", nullptr},
                             {"yjs_over_weft", nullptr}};
  nlohmann::ordered_json enc{{"weft", weft.encoded_bytes}, {"yjs", nullptr}};
  if (yjs) {
    const double y = yjs->at("figures").at("heap_after_load_bytes").get<double>();
    mem["yjs_bytes"] = static_cast<int64_t>(y);
    mem["yjs_over_weft"] = weft.memory_bytes > 0 ? round3(y / weft.memory_bytes) : 0.0;
    enc["yjs"] = yjs->at("figures").at("encoded_bytes");
  }
  figures["memory_after_load"] = mem;
  out["encoded_bytes"] = enc;

  std::cout << "\n"
            << trace.name << ": " << trace.txns.size() << " txns, " << weft.n_updates
            << " updates, median of " << o.runs << " run(s)";
  if (yjs) {
    std::cout << "; yjs " << yjs->value("yjs_version", "?") << ", node "
              << yjs->value("node_version", "?");
  }
  std::cout << "\n";
  print_table(rows);
  std::cout << "\n";
  print_table({{"memory after load", "weft bytes", "yjs heap bytes", "yjs/weft"},
               {"memory_after_load", std::to_string(mem["weft_bytes"].get<int64_t>()),
                yjs ? std::to_string(mem["yjs_bytes"].get<int64_t>()) : "-",
                ratio_cell(mem["yjs_over_weft"])},
               {"encoded_bytes", std::to_string(weft.encoded_bytes),
                yjs ? std::to_string(enc["yjs"].get<int64_t>()) : "-", ""}});
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    fail(std::string("error: ") + e.what());
  }
}
