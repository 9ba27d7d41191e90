// stats.cpp — latency percentiles and /proc sampling (stats.hpp).
#include "bench/load/stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

namespace bench {

nlohmann::json Latencies::summary_ms() {
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
  nlohmann::json j;
  j["count"] = samples_.size();
  if (samples_.empty()) {
    for (const char* k : {"p50", "p90", "p99", "p99_9", "max", "mean"}) j[k] = nullptr;
    return j;
  }
  double sum = 0;
  for (uint32_t s : samples_) sum += s;
  j["p50"] = quantile_ms(0.50);
  j["p90"] = quantile_ms(0.90);
  j["p99"] = quantile_ms(0.99);
  j["p99_9"] = quantile_ms(0.999);
  j["max"] = samples_.back() / 1000.0;
  j["mean"] = sum / static_cast<double>(samples_.size()) / 1000.0;
  return j;
}

double Latencies::quantile_ms(double q) const {
  if (samples_.empty()) return 0;
  // Nearest rank: the smallest sample with at least q of all samples at or below it.
  const size_t n = samples_.size();
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(n)));
  rank = std::clamp<size_t>(rank, 1, n);
  return samples_[rank - 1] / 1000.0;
}

std::optional<ProcSample> sample_process(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  // Fields after the command name (which may hold spaces) start at ") ": state is field 3;
  // utime and stime are fields 14 and 15.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  ProcSample s;
  double ticks = 0;
  for (int i = 3; i <= 15 && (fields >> field); ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  s.cpu_seconds = ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status(dir + "/status");
  while (std::getline(status, line)) {
    auto kb = [&](const char* key) -> std::optional<uint64_t> {
      if (line.rfind(key, 0) != 0) return std::nullopt;
      return std::stoull(line.substr(std::string(key).size())) * 1024;
    };
    if (auto v = kb("VmRSS:")) s.rss_bytes = *v;
    if (auto v = kb("VmHWM:")) s.peak_rss_bytes = *v;
  }
  return s;
}

double machine_busy_seconds() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  stat >> cpu;  // "cpu": the sum over all CPUs
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
  double v[8] = {};
  for (double& x : v) stat >> x;
  const double busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  return busy / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

uint64_t raise_fd_limit(uint64_t wanted) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur >= wanted) return lim.rlim_cur;
  rlimit more = lim;
  more.rlim_cur = more.rlim_max = std::max<rlim_t>(lim.rlim_max, wanted);
  if (setrlimit(RLIMIT_NOFILE, &more) != 0) {  // not root: the hard limit is the ceiling
    more.rlim_max = lim.rlim_max;
    more.rlim_cur = std::min<rlim_t>(wanted, lim.rlim_max);
    setrlimit(RLIMIT_NOFILE, &more);
  }
  getrlimit(RLIMIT_NOFILE, &lim);
  return lim.rlim_cur;
}

}  // namespace bench
