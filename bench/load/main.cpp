// main.cpp — weft-bench: a load generator for y-websocket servers (Weft, the reference
// @y/websocket-server, Hocuspocus) that speaks the protocol over many connections from one
// process and one event loop, with real Yjs updates made by crdt/.
//
// Prints a readable table, then the whole result as one JSON object on the last stdout line (and
// into --json FILE). Exit status: 0 when the run is ok (every connection established, every
// update delivered exactly once, the server's documents converged), 1 when not, 2 on bad usage or
// when the scenario could not start. See docs/BENCHMARKS.md for the scenarios and the fields.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/load/runner.hpp"
#include "bench/load/stats.hpp"

namespace {

using nlohmann::json;

std::string num(const json& v, int decimals = 2) {
  if (v.is_null()) return "-";
  char buf[64];
  if (v.is_number_integer() || v.is_number_unsigned()) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v.get<double>()));
  } else {
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v.get<double>());
  }
  return buf;
}

std::string mib(const json& bytes) {
  if (bytes.is_null()) return "-";
  return num(json(bytes.get<double>() / (1024.0 * 1024.0)), 1) + " MiB";
}

void row(const std::string& name, const std::string& value) {
  std::printf("  %-28s %s\n", name.c_str(), value.c_str());
}

std::string latency_line(const json& l) {
  return "p50 " + num(l["p50"], 3) + "  p90 " + num(l["p90"], 3) + "  p99 " + num(l["p99"], 3) +
         "  p99.9 " + num(l["p99_9"], 3) + "  max " + num(l["max"], 3) +
         " ms  (n=" + num(l["count"]) + ")";
}

void print_connections(const json& c) {
  if (c.is_null()) return;
  row("connections", num(c["established"]) + " / " + num(c["attempted"]) + " established in " +
                         num(c["seconds"]) + " s");
  row("handshake (connect→synced)", latency_line(c["handshake_ms"]));
  for (const auto& [why, n] : c["failures"].items()) row("  failure", num(n) + " × " + why);
}

void print_table(const json& r) {
  std::printf("weft-bench %s against %s\n", r["mode"].get<std::string>().c_str(),
              r["target"].get<std::string>().c_str());
  row("parameters", r["params"].dump());
  print_connections(r.value("connections", json()));
  const std::string mode = r["mode"];
  if (mode == "load") {
    row("updates sent", num(r["updates"]["sent"]) + " of " + num(r["updates"]["planned"], 0) +
                            " planned (" + num(r["updates"]["per_second"], 0) + "/s)");
    row("deliveries", num(r["deliveries"]["received"]) + " received / " +
                          num(r["deliveries"]["expected"]) + " expected");
    row("latency", latency_line(r["latency_ms"]));
    if (!r["server"].is_null()) {
      row("server", mib(r["server"]["rss_bytes"]) + " RSS, " + num(r["server"]["cpu_seconds"]) +
                        " CPU s (" + num(r["server"]["cpu_percent"], 0) + " %)");
    }
    row("generator", num(r["generator"]["cpu_seconds"]) + " CPU s (" +
                         num(r["generator"]["cpu_percent"], 0) + " % of a core)");
    row("other processes",
        num(r["others_cpu_percent"], 0) + " % of a core (machine busy - server - generator)");
    row("converged", r["convergence"].dump());
  } else if (mode == "idle") {
    if (r.contains("memory")) {
      row("server RSS",
          mib(r["server_before"]["rss_bytes"]) + " → " + mib(r["server_after"]["rss_bytes"]));
      row("server bytes / connection", num(r["memory"]["bytes_per_connection"], 0));
    }
    row("alive after hold", num(r["alive_after_hold"]));
    row("generator", r["generator"].dump());
  } else if (mode == "ramp") {
    std::printf("  %10s %10s %12s %9s %9s %9s %7s %7s %7s %s\n", "rate/cl", "upd/s", "deliv/s",
                "p50", "p99", "max", "srv%", "gen%", "other%", "pass");
    for (const auto& s : r["steps"]) {
      std::printf("  %10s %10s %12s %9s %9s %9s %7s %7s %7s %s\n",
                  num(s["rate_per_client"]).c_str(), num(s["updates_per_s"], 0).c_str(),
                  num(s["deliveries_per_s"], 0).c_str(), num(s["latency_ms"]["p50"], 3).c_str(),
                  num(s["latency_ms"]["p99"], 3).c_str(), num(s["latency_ms"]["max"], 3).c_str(),
                  num(s["server_cpu_percent"], 0).c_str(),
                  num(s["generator_cpu_percent"], 0).c_str(),
                  num(s["others_cpu_percent"], 0).c_str(), s["passed"].get<bool>() ? "yes" : "NO");
    }
    if (!r["sustained"].is_null()) {
      row("sustained (p99 bound)", num(r["sustained"]["updates_per_s"], 0) + " updates/s, " +
                                       num(r["sustained"]["deliveries_per_s"], 0) +
                                       " deliveries/s");
    }
    row("converged", r["convergence"].dump());
  } else if (mode == "cold") {
    row("document", num(r["document_update_bytes"]) + " update bytes, written in " +
                        num(r["write_seconds"]) + " s");
    row("new client: connect→state", latency_line(r["load_ms"]));
    row("new client: apply", latency_line(r["client_apply_ms"]));
    if (!r["server"].is_null()) row("server RSS", mib(r["server"]["rss_bytes"]));
  } else if (mode == "join-storm") {
    row("document", num(r["document_update_bytes"]) + " update bytes, written in " +
                        num(r["write_seconds"]) + " s");
    row("joiners synced", num(r["connections"]["established"]) + " / " +
                              num(r["params"]["joiners"]) + " in " +
                              num(r["connections"]["seconds"]) + " s");
    row("connect→whole doc", latency_line(r["connections"]["handshake_ms"]));
    if (r.contains("memory")) {
      row("server RSS", mib(r["server_before_storm"]["rss_bytes"]) + " before, peak " +
                            mib(r["memory"]["peak_rss_bytes"]) + " (" +
                            num(r["memory"]["peak_over_document"]) +
                            "× the document's in-memory size " +
                            mib(r["memory"]["document_in_memory_bytes"]) + ")");
    }
  } else if (mode == "soak") {
    row("edits sent", num(r["edits"]["sent"]) + " (" + num(r["edits"]["per_second"], 0) +
                          "/s), skipped while disconnected " +
                          num(r["edits"]["skipped_while_disconnected"]));
    const json& d = r["deliveries"];
    row("deliveries", num(d["delivered"]) + " / " + num(d["expected"]) + " expected (" +
                          num(d["via_resync"]) + " via resync), missing " + num(d["missing"]));
    row("duplicates", num(d["duplicates"]) + " (in recovery " + num(d["duplicates_in_recovery"]) +
                          ", resync overlap " + num(d["resync_overlap"]) + ")");
    row("cursors", num(r["cursors"]["sent"]) + " sent, " +
                       num(r["cursors"]["awareness_messages_received"]) + " received, " +
                       num(r["cursors"]["stale_at_end"]) + " stale at the end");
    row("disconnects",
        num(r["disconnects"]["count"]) + ", reconnected " + num(r["disconnects"]["reconnected"]));
    row("latency p99 per interval", "median " + num(r["latency_ms"]["interval_p99_median"], 3) +
                                        ", worst " + num(r["latency_ms"]["interval_p99_worst"], 3) +
                                        " ms; max " + num(r["latency_ms"]["max"], 3) + " ms");
    if (!r["server"].is_null()) {
      row("server", mib(r["server"]["rss_bytes"]) + " RSS, " + num(r["server"]["cpu_seconds"]) +
                        " CPU s (" + num(r["server"]["cpu_percent"], 0) + " %)");
    }
    row("generator", num(r["generator"]["cpu_seconds"]) + " CPU s (" +
                         num(r["generator"]["cpu_percent"], 0) + " % of a core)");
    row("converged", r["convergence"].dump());
  }
  row("ok", r["ok"].get<bool>() ? "yes" : "NO");
}

}  // namespace

int main(int argc, char** argv) {
  bench::Options o;
  std::string json_path;
  CLI::App app{"weft-bench: y-websocket load generator (docs/BENCHMARKS.md)"};
  app.add_option("--mode", o.mode, "load, idle, ramp, cold, join-storm or soak")
      ->transform(CLI::CheckedTransformer(bench::kModeNames));
  app.add_option("--target", o.target,
                 "weft (signs in, creates documents through the API), y-websocket or hocuspocus")
      ->transform(CLI::CheckedTransformer(bench::kTargetNames));
  app.add_option("--host", o.host, "server address (IPv4)")->capture_default_str();
  app.add_option("--port", o.port, "server port")->capture_default_str();
  app.add_option("--server-pid", o.server_pid, "server process, for RSS and CPU from /proc");
  app.add_option("--docs", o.docs, "documents")->capture_default_str();
  app.add_option("--clients", o.clients, "clients per document")->capture_default_str();
  app.add_option("--rate", o.rate, "updates per second per client (load)")->capture_default_str();
  app.add_option("--duration", o.duration, "seconds of sending (load) or holding (idle)")
      ->capture_default_str();
  app.add_option("--source-addresses", o.source_addresses,
                 "bind connections to 127.0.0.1..N round-robin (0: do not bind)")
      ->capture_default_str();
  app.add_option("--connect-concurrency", o.connect_concurrency, "connections opening at once")
      ->capture_default_str();
  app.add_option("--connect-timeout", o.connect_timeout, "seconds")->capture_default_str();
  app.add_option("--drain-timeout", o.drain_timeout, "seconds to wait for late deliveries")
      ->capture_default_str();
  app.add_option("--ramp-start", o.ramp_start, "first rate per client (ramp)")
      ->capture_default_str();
  app.add_option("--ramp-factor", o.ramp_factor, "rate multiplier per step")->capture_default_str();
  app.add_option("--ramp-step-seconds", o.ramp_step_seconds, "seconds per step")
      ->capture_default_str();
  app.add_option("--ramp-max-steps", o.ramp_max_steps, "")->capture_default_str();
  app.add_option("--p99-bound-ms", o.p99_bound_ms, "ramp: a step passes with p99 below this")
      ->capture_default_str();
  app.add_option("--cold-bytes", o.cold_bytes, "cold: document size")->capture_default_str();
  app.add_option("--cold-chunk", o.cold_chunk, "cold: bytes per writer update")
      ->capture_default_str();
  app.add_option("--cold-runs", o.cold_runs, "cold: new clients, one after another")
      ->capture_default_str();
  app.add_option("--cold-unload-wait", o.cold_unload_wait,
                 "cold: the writer leaves; wait this many seconds before each new client "
                 "(longer than the server's room grace: load from storage)")
      ->capture_default_str();
  app.add_option("--more-ports", o.more_ports,
                 "soak: ports of further instances (comma-separated); each document's clients are "
                 "spread over --port and these, and a reconnection tries the next one")
      ->delimiter(',');
  app.add_option("--cursor-rate", o.cursor_rate,
                 "soak: cursor moves (awareness) per second per "
                 "client (0: none)")
      ->capture_default_str();
  app.add_option("--window", o.window,
                 "soak: markers each client keeps; beyond it each edit deletes its oldest")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1u << 20));
  app.add_option("--sample-seconds", o.sample_seconds, "soak: timeline interval")
      ->capture_default_str();
  app.add_flag("--reconnect", o.reconnect,
               "soak: reopen closed connections (counted as disconnects) instead of failing");
  app.add_option("--recovery-seconds", o.recovery_seconds,
                 "soak: duplicates this soon after a resync in the document count as in recovery")
      ->capture_default_str();
  app.add_option("--username", o.username, "Weft account")->capture_default_str();
  app.add_option("--password", o.password, "Weft password")->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the send phases")->capture_default_str();
  app.add_option("--json", json_path, "also write the JSON result here");
  CLI11_PARSE(app, argc, argv);

  const uint64_t wanted_fds = static_cast<uint64_t>(o.docs) * o.clients + 64;
  const uint64_t fds = bench::raise_fd_limit(wanted_fds);
  if (fds < wanted_fds) {
    std::cerr << "weft-bench: warning: RLIMIT_NOFILE is " << fds << ", below the " << wanted_fds
              << " this run needs (raise `ulimit -Hn` or run as root)\n";
  }

  json result;
  try {
    bench::Runner runner(o);
    result = runner.run();
  } catch (const std::exception& e) {
    std::cerr << "weft-bench: " << e.what() << "\n";
    return 2;
  }
  const std::string line = result.dump();
  if (!json_path.empty()) std::ofstream(json_path) << line << "\n";
  try {
    print_table(result);
  } catch (const json::exception& e) {  // a result without some figure: the JSON has the rest
    std::cerr << "weft-bench: the table is incomplete: " << e.what() << "\n";
  }
  std::cout << line << std::endl;
  return result["ok"].get<bool>() ? 0 : 1;
}
