// stats.hpp — what weft-bench measures: latency samples and their percentiles, and CPU / memory
// of a process read from /proc (the server, by pid) and of weft-bench itself (getrusage), so a
// reader sees when the generator rather than the server is the bottleneck.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

namespace bench {

// Latencies in microseconds. Every sample is kept (4 bytes each; a minute at 100,000 deliveries/s
// is 24 MB) so percentiles are exact rather than bucketed.
class Latencies {
 public:
  void add(int64_t micros) {
    samples_.push_back(static_cast<uint32_t>(micros < 0 ? 0 : micros));
    sorted_ = false;
  }
  size_t count() const { return samples_.size(); }
  void clear() {
    samples_.clear();
    sorted_ = false;
  }
  // {count, p50, p90, p99, p99_9, max, mean} in milliseconds (nulls when empty). Sorts in place.
  nlohmann::json summary_ms();
  // The q-quantile (0..1) in milliseconds after summary_ms() sorted the samples; 0 when empty.
  double quantile_ms(double q) const;

 private:
  std::vector<uint32_t> samples_;
  bool sorted_ = false;
};

// CPU seconds (user + system) and memory of a process at one moment.
struct ProcSample {
  double cpu_seconds = 0;
  uint64_t rss_bytes = 0;
  uint64_t peak_rss_bytes = 0;  // VmHWM
};

// Reads /proc/<pid>/stat and /proc/<pid>/status; nullopt when the process is gone or pid is 0.
std::optional<ProcSample> sample_process(pid_t pid);
// CPU seconds all processes spent busy (non-idle, all CPUs) since boot, from /proc/stat: with the
// server's and weft-bench's own, it tells how much CPU other processes took during a measurement.
double machine_busy_seconds();
// weft-bench's own CPU seconds (getrusage RUSAGE_SELF).
double self_cpu_seconds();
// Raises RLIMIT_NOFILE as far as allowed (the hard limit, or beyond it when running as root);
// returns the new soft limit.
uint64_t raise_fd_limit(uint64_t wanted);

}  // namespace bench
