// soak.cpp — the soak's per-pair delivery record (soak.hpp).
#include "bench/load/soak.hpp"

namespace bench {

bool SeqTracker::record(uint32_t seq) {
  if (has(seq)) return false;
  if (seq != contiguous_) {
    ahead_.insert(seq);
    return true;
  }
  ++contiguous_;
  while (!ahead_.empty() && *ahead_.begin() == contiguous_) {
    ahead_.erase(ahead_.begin());
    ++contiguous_;
  }
  return true;
}

uint64_t SeqTracker::missing(uint32_t sent) const {
  if (contiguous_ >= sent) return 0;
  uint64_t have = contiguous_;
  for (uint32_t s : ahead_) have += s < sent;
  return sent - have;
}

}  // namespace bench
