// runner.hpp — weft-bench's scenarios, run on one event loop in one thread.
//
//   load  documents × clients per document, each client sending `rate` updates per second for
//         `duration` seconds; then a drain, and a convergence check.
//   idle  documents × clients connections that only sync; the server's memory per connection.
//   ramp  the load shape at rising rates (× factor per step) until p99 exceeds the bound or an
//         update goes undelivered; the highest rate that passed is the sustainable rate.
//   cold  a document of `cold_bytes` is written by one client; then new clients join it one at a
//         time and each measures connect → whole document received, and applying it.
//   join-storm  a document of `cold_bytes` is written by one client; then `clients` new clients
//         connect to it at once, each timing connect → whole document received; the server's
//         peak RSS over the storm (VmHWM, reset before it).
//   soak  hours of editing and cursor moves, optionally over several instances with reconnects;
//         exactly-once and convergence checked per client (soak.hpp, runner_soak.cpp).
//
// Latency: every update's text is a marker (payload.hpp) with the sender's index and the send time
// on this process's steady clock; a receiver's sample is its receive time minus that. Deliveries:
// each client should receive every marker sent by the other clients of its document exactly once;
// echoes of a client's own updates (the reference server sends them) are counted apart.
// Convergence: after the drain one client per document asks the server for its whole document
// (sync step 1 with an empty state vector), and the check applies it to a fresh crdt::Doc: its text
// must hold every marker sent to that document exactly once and nothing else.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bench/load/connection.hpp"
#include "bench/load/payload.hpp"
#include "bench/load/stats.hpp"

namespace bench {

struct Soak;
struct SoakCounters;

enum class Mode { kLoad, kIdle, kRamp, kCold, kJoinStorm, kSoak };
enum class Target { kWeft, kYWebsocket, kHocuspocus };

// The names on the command line and in the JSON result, one table per enum.
inline const std::map<std::string, Mode> kModeNames{{"load", Mode::kLoad},
                                                    {"idle", Mode::kIdle},
                                                    {"ramp", Mode::kRamp},
                                                    {"cold", Mode::kCold},
                                                    {"join-storm", Mode::kJoinStorm},
                                                    {"soak", Mode::kSoak}};
inline const std::map<std::string, Target> kTargetNames{{"weft", Target::kWeft},
                                                        {"y-websocket", Target::kYWebsocket},
                                                        {"hocuspocus", Target::kHocuspocus}};

struct Options {
  Mode mode = Mode::kLoad;
  Target target = Target::kWeft;
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  pid_t server_pid = 0;  // for /proc: RSS and CPU of the server
  uint32_t docs = 1;
  uint32_t clients = 2;           // per document
  double rate = 1;                // updates per second per client
  double duration = 10;           // seconds of sending (load), of holding (idle)
  uint32_t source_addresses = 4;  // 127.0.0.1 … 127.0.0.N; 0: let the kernel choose
  uint32_t connect_concurrency = 200;
  double connect_timeout = 120;  // seconds for all connections to be synced
  double drain_timeout = 10;     // seconds to wait for outstanding deliveries
  double ramp_start = 1;
  double ramp_factor = 1.5;
  double ramp_step_seconds = 5;
  double p99_bound_ms = 50;
  uint32_t ramp_max_steps = 20;
  size_t cold_bytes = 1 << 20;
  size_t cold_chunk = 1024;
  uint32_t cold_runs = 5;
  double cold_unload_wait = 0;       // > 0: the writer leaves and each run waits this long first
  std::vector<uint16_t> more_ports;  // soak: further instances; clients spread over all
  double cursor_rate = 1;            // soak: cursor moves (awareness) per second per client
  uint32_t window = 64;              // soak: markers each client keeps in its text
  double sample_seconds = 10;        // soak: timeline interval
  bool reconnect = false;            // soak: reopen closed connections (injected failures)
  double recovery_seconds = 15;      // soak: duplicates this soon after a resync are "in recovery"
  std::string username = "weft-bench";
  std::string password = "weft-bench-password";
  uint64_t seed = 1;
};

const char* to_string(Mode m);
const char* to_string(Target t);

class Runner : public ConnectionEvents {
 public:
  explicit Runner(Options opts);
  ~Runner() override;
  // Runs the scenario; the result is one JSON object (see docs/BENCHMARKS.md).
  nlohmann::json run();

  void on_synced(Connection& c, crdt::ByteView state) override;
  void on_update(Connection& c, crdt::ByteView update, bool is_state) override;
  void on_closed(Connection& c, const std::string& why) override;
  void on_awareness(Connection& c, crdt::ByteView update) override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Document {
    std::string name;  // Weft: the id; peers: a name unique to this run
    std::vector<uint32_t> members;
    uint64_t sent_total = 0;  // markers sent to it since the start
    uint64_t sent_step = 0;   // … since the last reset_counters()
    std::optional<crdt::Bytes> state;
  };

  nlohmann::json run_load();
  nlohmann::json run_idle();
  nlohmann::json run_ramp();
  nlohmann::json run_cold();
  nlohmann::json run_join_storm();
  // cold and join-storm: one client types a document of cold_bytes in cold_chunk lines and asks
  // for the whole state back; fills out["write_seconds"], ["document_update_bytes"] and the
  // server's samples. Returns the writer's connection, or nullopt when it could not connect.
  std::optional<uint32_t> write_document(nlohmann::json& out);
  nlohmann::json run_soak();

  // The soak (runner_soak.cpp).
  void soak_setup();
  // Runs the event loop and the soak's events until done() or `until_us` (on now_us()'s clock).
  void soak_pump(int64_t until_us, const std::function<bool()>& done);
  void soak_edit(uint32_t i);
  void soak_cursor(uint32_t i);
  void record_cursor_latency(uint64_t own_id, crdt::ByteView update);
  void soak_sample();
  void soak_reopen(uint32_t i);
  void soak_schedule_reopen(uint32_t i);
  crdt::Bytes soak_state_vector(uint32_t i) const;
  void soak_record(uint32_t receiver, const Marker& m, bool live, int64_t now);
  void soak_on_resynced(Connection& c, crdt::ByteView state);
  // True when the close was the soak's to handle (a disconnect, or a reopening that failed).
  bool soak_on_closed(Connection& c, const std::string& why);
  void soak_on_state(Connection& c, crdt::ByteView state);
  uint64_t soak_expected() const;
  uint64_t soak_unique() const;
  uint64_t soak_stale_cursors() const;
  nlohmann::json soak_convergence();
  nlohmann::json soak_counters_json(const SoakCounters& now, const SoakCounters& before) const;

  void prepare_documents(uint32_t count);
  uint32_t add_connection(uint32_t doc);
  // Opens the given connections, at most connect_concurrency at a time; returns the summary (of
  // every connect() since the last one with `reset`).
  nlohmann::json connect(const std::vector<uint32_t>& conns, bool reset = true);
  void launch_next_connect();
  // Runs the event loop until pred() or the deadline; returns pred().
  template <typename Pred>
  bool run_until(Pred pred, Clock::time_point deadline);
  void run_for(double seconds);
  // Every synced client sends at `rate` per second for `seconds`; returns updates sent.
  uint64_t send_phase(double rate, double seconds);
  uint64_t expected_deliveries() const;
  bool drain(double seconds);
  void reset_counters();
  nlohmann::json deliveries_json() const;
  nlohmann::json check_convergence();
  void close_all();
  int64_t now_us() const;
  nlohmann::json server_sample() const;
  // Where connection `conn` connects: its instance's port (the soak spreads them), its target.
  Endpoint endpoint_for(uint32_t conn) const;
  uint16_t port_of(uint32_t conn) const;

  Options opts_;
  boost::asio::io_context io_;
  Clock::time_point epoch_;
  std::string token_;
  std::vector<Document> docs_;
  std::vector<std::shared_ptr<Connection>> conns_;
  std::mt19937_64 rng_;

  // Connecting
  std::vector<uint32_t> connect_queue_;
  size_t connect_next_ = 0;
  size_t connect_in_flight_ = 0;
  size_t connect_done_ = 0;
  Latencies handshake_;
  std::map<std::string, uint64_t> failures_;  // reason → count
  uint64_t closed_after_sync_ = 0;

  // Measuring
  Latencies latency_;
  uint64_t received_total_ = 0;
  uint64_t echoes_ = 0;
  uint64_t states_pending_ = 0;
  std::vector<size_t> join_state_bytes_;  // join-storm: the size of each joiner's sync step 2

  std::unique_ptr<Soak> soak_;  // the soak scenario's state (null in the others)
};

}  // namespace bench
