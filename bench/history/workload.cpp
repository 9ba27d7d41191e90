// workload.cpp — splitting a trace among authors and recording what each version must hold.
#include "bench/history/workload.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <stdexcept>

#include "crdt/doc.hpp"

namespace bench {

namespace {

constexpr size_t kMinBurst = 100;
constexpr size_t kMaxBurst = 2000;
constexpr uint32_t kSeed = 20261125;

}  // namespace

Workload make_workload(const Trace& trace, size_t edits, size_t every) {
  const size_t n = edits == 0 ? trace.txns.size() : std::min(edits, trace.txns.size());
  Workload w;
  w.updates.reserve(n);
  w.author.reserve(n);
  std::mt19937 random(kSeed);
  std::uniform_int_distribution<size_t> burst_length(kMinBurst, kMaxBurst);
  std::uniform_int_distribution<size_t> other_author(1, kAuthorCount - 1);

  crdt::Doc gen(kAuthors[0].client);
  std::u16string plain;
  size_t author = 0;
  size_t burst_left = burst_length(random);
  std::set<int64_t> users;
  for (size_t i = 0; i < n; ++i) {
    if (burst_left == 0) {
      author = (author + other_author(random)) % kAuthorCount;
      burst_left = burst_length(random);
    }
    --burst_left;
    gen.set_client_id(kAuthors[author].client);
    const Txn& txn = trace.txns[i];
    w.updates.push_back(gen.transact([&](crdt::Transaction& tr) {
      for (const Patch& p : txn) {
        if (p.del > 0) gen.delete_text(tr, "content", p.pos, p.del);
        if (!p.ins.empty()) gen.insert_text(tr, "content", p.pos, p.ins);
      }
    }));
    for (const Patch& p : txn) {
      plain.erase(p.pos, p.del);
      plain.insert(p.pos, p.ins);
    }
    w.update_bytes += w.updates.back().size();
    w.author.push_back(static_cast<uint8_t>(author));
    users.insert(kAuthors[author].user_id);
    if ((i + 1) % every == 0 || i + 1 == n) {
      if (gen.text16("content") != plain) {
        throw std::runtime_error("the generator doc differs from the trace after edit " +
                                 std::to_string(i + 1));
      }
      w.capture_after.push_back(i + 1);
      w.texts.push_back(crdt::utf16_to_utf8(plain));
      w.users.emplace_back(users.begin(), users.end());
      users.clear();
    }
  }
  if (n == trace.txns.size() && w.texts.back() != trace.end_content) {
    throw std::runtime_error("the replayed trace does not end in its endContent");
  }
  return w;
}

}  // namespace bench
