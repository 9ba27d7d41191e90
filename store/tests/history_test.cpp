// history_test.cpp — History (a document's versions as a delta chain) on every backend of
// backends.hpp. No Yjs here: the delta function is a fake that writes down the head state vector it
// was given, and the merge function concatenates with '|', so a chain's contents show exactly which
// deltas were taken against what and how removals folded them together.
#include "store/history.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "store/tests/backends.hpp"

namespace store {
namespace {

const std::regex kIsoMillis(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");

Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

Bytes concat_merge(const Bytes& older, const Bytes& newer) {
  return bytes(text(older) + "|" + text(newer));
}

std::vector<int64_t> ids_of(const std::vector<Version>& versions) {
  std::vector<int64_t> out;
  for (const auto& v : versions) out.push_back(v.id);
  return out;
}

class HistoryTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    store_ = open();
    store_->ensure_document(1);
    store_->ensure_document(2);
    history_ = std::make_unique<History>(*store_);
  }

  // Captures state `state` of `doc` (its state vector "sv:<state>", fingerprint "fp:<state>") and
  // returns the version; the delta is "d:<state>", and the head state vector the fake was given is
  // appended to heads_ ("none" when there was no head).
  Version capture(const std::string& state, std::vector<int64_t> users = {},
                  std::optional<std::string> name = std::nullopt, int64_t doc = 1) {
    const Capture c{.document_id = doc,
                    .kind = name ? "named" : "auto",
                    .name = std::move(name),
                    .state_vector = bytes("sv:" + state),
                    .fingerprint = bytes("fp:" + state),
                    .size = static_cast<int64_t>(state.size()),
                    .user_ids = std::move(users)};
    return history_->capture(c,
                             [&](const std::optional<Bytes>& head_sv, const std::optional<Bytes>&) {
                               heads_.push_back(head_sv ? text(*head_sv) : "none");
                               return bytes("d:" + state);
                             });
  }

  std::vector<std::string> chain_text(int64_t version_id, int64_t doc = 1) {
    std::vector<std::string> out;
    for (const Bytes& d : history_->chain(doc, version_id)) out.push_back(text(d));
    return out;
  }

  // The merge function, counting its calls.
  MergeFn counting_merge() {
    return [this](const Bytes& older, const Bytes& newer) {
      ++merges_;
      return concat_merge(older, newer);
    };
  }

  void delete_document(int64_t id) {
    store_->transact([&](Sql& sql) { sql.exec("DELETE FROM documents WHERE id = $1", {id}); });
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<History> history_;
  std::vector<std::string> heads_;
  int merges_ = 0;
};

TEST_P(HistoryTest, CaptureStoresTheVersion) {
  EXPECT_EQ(history_->head(1), std::nullopt);
  const Version v = capture("abc", {7, 3, 7});
  EXPECT_GT(v.id, 0);
  EXPECT_EQ(v.document_id, 1);
  EXPECT_TRUE(std::regex_match(v.created_at, kIsoMillis)) << v.created_at;
  EXPECT_EQ(v.name, std::nullopt);
  EXPECT_EQ(v.kind, "auto");
  EXPECT_EQ(v.size, 3);
  EXPECT_EQ(v.user_ids, (std::vector<int64_t>{3, 7}));  // ascending, once each
  EXPECT_EQ(heads_, std::vector<std::string>{"none"});

  const auto got = history_->get(1, v.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->created_at, v.created_at);
  EXPECT_EQ(got->kind, "auto");
  EXPECT_EQ(got->size, 3);
  EXPECT_EQ(got->user_ids, (std::vector<int64_t>{3, 7}));
  EXPECT_EQ(history_->head(1)->id, v.id);
  EXPECT_EQ(history_->head(2), std::nullopt);
}

TEST_P(HistoryTest, EachDeltaIsTakenAgainstTheHead) {
  const Version v1 = capture("a");
  const Version v2 = capture("b");
  const Version v3 = capture("c");
  EXPECT_LT(v1.id, v2.id);
  EXPECT_LT(v2.id, v3.id);
  EXPECT_EQ(heads_, (std::vector<std::string>{"none", "sv:a", "sv:b"}));
  EXPECT_EQ(chain_text(v3.id), (std::vector<std::string>{"d:a", "d:b", "d:c"}));
  EXPECT_EQ(chain_text(v2.id), (std::vector<std::string>{"d:a", "d:b"}));
  EXPECT_EQ(chain_text(v1.id), (std::vector<std::string>{"d:a"}));
}

TEST_P(HistoryTest, CapturingTheHeadsStateAddsNoRowAndMergesUsers) {
  const Version first = capture("s", {5, 1});
  const Version again = capture("s", {2, 5});
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(again.user_ids, (std::vector<int64_t>{1, 2, 5}));
  EXPECT_EQ(heads_, std::vector<std::string>{"none"});  // no second delta
  EXPECT_EQ(history_->list(1, std::nullopt, 10).size(), 1u);
  EXPECT_EQ(history_->get(1, first.id)->user_ids, (std::vector<int64_t>{1, 2, 5}));

  // Only the head counts: an older version's state again is a new version.
  capture("t");
  const Version back = capture("s");
  EXPECT_NE(back.id, first.id);
  EXPECT_EQ(history_->list(1, std::nullopt, 10).size(), 3u);
}

TEST_P(HistoryTest, SameStateFromAnotherInstanceIsOneVersion) {
  auto other_store = open();
  History other(*other_store);
  const Version v = capture("s", {1});
  const Version w =
      other.capture({.document_id = 1,
                     .kind = "auto",
                     .state_vector = bytes("sv:s"),
                     .fingerprint = bytes("fp:s"),
                     .size = 1,
                     .user_ids = {2}},
                    [](const std::optional<Bytes>&, const std::optional<Bytes>&) -> Bytes {
                      ADD_FAILURE() << "no delta for the head's state";
                      return {};
                    });
  EXPECT_EQ(w.id, v.id);
  EXPECT_EQ(history_->head(1)->user_ids, (std::vector<int64_t>{1, 2}));
}

TEST_P(HistoryTest, NamedCapturesOfTheHeadsState) {
  const Version head = capture("s", {1});
  // An unnamed head takes the name.
  const Version named = capture("s", {2}, "before refactor");
  EXPECT_EQ(named.id, head.id);
  EXPECT_EQ(named.name, "before refactor");
  EXPECT_EQ(named.kind, "auto");  // why it was captured does not change
  EXPECT_EQ(named.user_ids, (std::vector<int64_t>{1, 2}));
  // The same name again is the same version.
  EXPECT_EQ(capture("s", {}, "before refactor").id, head.id);
  // An unnamed capture keeps the head's name.
  const Version unnamed = capture("s", {3});
  EXPECT_EQ(unnamed.id, head.id);
  EXPECT_EQ(unnamed.name, "before refactor");
  EXPECT_EQ(heads_, std::vector<std::string>{"none"});

  // Another name for the same state is a version of its own, with a delta against the head.
  const Version second = capture("s", {4}, "release");
  EXPECT_NE(second.id, head.id);
  EXPECT_EQ(second.name, "release");
  EXPECT_EQ(second.kind, "named");
  EXPECT_EQ(second.user_ids, std::vector<int64_t>{4});
  EXPECT_EQ(heads_, (std::vector<std::string>{"none", "sv:s"}));
  EXPECT_EQ(history_->get(1, head.id)->name, "before refactor");
  EXPECT_EQ(history_->list(1, std::nullopt, 10).size(), 2u);

  // A named capture of a new state is a new, named version.
  const Version third = capture("t", {}, "release 2");
  EXPECT_EQ(third.name, "release 2");
  EXPECT_EQ(history_->list(1, std::nullopt, 10).size(), 3u);
}

TEST_P(HistoryTest, NamesAreStoredVerbatim) {
  const std::string hostile = "Robert'); DELETE FROM document_versions; -- \xe2\x82\xac \"x\" \\";
  const Version v = capture("s", {}, hostile);
  EXPECT_EQ(history_->get(1, v.id)->name, hostile);
}

TEST_P(HistoryTest, ListIsNewestFirstAndPaginates) {
  std::vector<int64_t> ids;
  for (const char* s : {"a", "b", "c", "d", "e"}) ids.push_back(capture(s).id);
  capture("x", {}, std::nullopt, 2);  // another document's version is never listed

  const auto page1 = history_->list(1, std::nullopt, 2);
  EXPECT_EQ(ids_of(page1), (std::vector<int64_t>{ids[4], ids[3]}));
  const auto page2 = history_->list(1, page1.back().id, 2);
  EXPECT_EQ(ids_of(page2), (std::vector<int64_t>{ids[2], ids[1]}));
  const auto page3 = history_->list(1, page2.back().id, 2);
  EXPECT_EQ(ids_of(page3), std::vector<int64_t>{ids[0]});
  EXPECT_TRUE(history_->list(1, page3.back().id, 2).empty());

  EXPECT_EQ(ids_of(history_->list(1, std::nullopt, 100)),
            (std::vector<int64_t>{ids[4], ids[3], ids[2], ids[1], ids[0]}));
  EXPECT_TRUE(history_->list(1, std::nullopt, 0).empty());
  EXPECT_EQ(ids_of(history_->list(1, ids[2], 100)), (std::vector<int64_t>{ids[1], ids[0]}));
  EXPECT_TRUE(history_->list(3, std::nullopt, 10).empty());  // no such document
}

TEST_P(HistoryTest, VersionsOfAnotherDocumentAreNotFound) {
  const Version a1 = capture("a1", {}, std::nullopt, 1);
  const Version b1 = capture("b1", {}, std::nullopt, 2);
  const Version a2 = capture("a2", {}, std::nullopt, 1);
  // Ids interleave between documents; each chain holds its own document's deltas only.
  EXPECT_EQ(chain_text(a2.id, 1), (std::vector<std::string>{"d:a1", "d:a2"}));
  EXPECT_EQ(chain_text(b1.id, 2), std::vector<std::string>{"d:b1"});
  EXPECT_EQ(heads_, (std::vector<std::string>{"none", "none", "sv:a1"}));

  EXPECT_EQ(history_->get(2, a1.id), std::nullopt);
  EXPECT_TRUE(history_->chain(2, a2.id).empty());
  EXPECT_TRUE(history_->chain(1, b1.id).empty());
  EXPECT_TRUE(history_->chain(1, 999999).empty());
  EXPECT_FALSE(history_->rename(2, a1.id, "x"));
  EXPECT_FALSE(history_->remove(2, a1.id, counting_merge()));
  EXPECT_FALSE(history_->remove(1, 999999, counting_merge()));
  EXPECT_FALSE(history_->remove(3, a1.id, counting_merge()));  // no such document
  EXPECT_EQ(merges_, 0);
  EXPECT_EQ(history_->get(1, a1.id)->name, std::nullopt);
  EXPECT_EQ(history_->list(1, std::nullopt, 10).size(), 2u);
}

TEST_P(HistoryTest, RenameSetsAndClearsTheName) {
  const Version v = capture("s");
  EXPECT_TRUE(history_->rename(1, v.id, "first"));
  EXPECT_EQ(history_->get(1, v.id)->name, "first");
  EXPECT_TRUE(history_->rename(1, v.id, std::nullopt));
  EXPECT_EQ(history_->get(1, v.id)->name, std::nullopt);
  EXPECT_FALSE(history_->rename(1, v.id + 1000, "x"));
}

TEST_P(HistoryTest, RemoveHandsTheDeltaAndUsersToTheNextVersion) {
  const Version v1 = capture("a", {1});
  const Version v2 = capture("b", {2, 4});
  const Version v3 = capture("c", {3, 4});
  EXPECT_TRUE(history_->remove(1, v2.id, counting_merge()));
  EXPECT_EQ(merges_, 1);
  EXPECT_EQ(history_->get(1, v2.id), std::nullopt);
  EXPECT_EQ(chain_text(v3.id), (std::vector<std::string>{"d:a", "d:b|d:c"}));
  EXPECT_TRUE(history_->chain(1, v2.id).empty());
  // Who edited between v1 and v2 now edited since the version before v3.
  EXPECT_EQ(history_->get(1, v3.id)->user_ids, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(history_->get(1, v1.id)->user_ids, std::vector<int64_t>{1});
  EXPECT_FALSE(history_->remove(1, v2.id, counting_merge()));  // already gone

  // The first version's delta goes the same way.
  EXPECT_TRUE(history_->remove(1, v1.id, counting_merge()));
  EXPECT_EQ(chain_text(v3.id), std::vector<std::string>{"d:a|d:b|d:c"});
  EXPECT_EQ(history_->get(1, v3.id)->user_ids, (std::vector<int64_t>{1, 2, 3, 4}));
}

// Checkpoints (migration 6): a rebuild starts at the nearest one at or before the version; one
// is made once `every` versions follow the last; they survive removing versions before them and
// go with their own version.
TEST_P(HistoryTest, RebuildsStartAtTheNearestCheckpoint) {
  const auto join_all = [](const std::vector<Bytes>& updates) {
    std::string out;
    for (const Bytes& u : updates) out += (out.empty() ? "" : "+") + text(u);
    return bytes("[" + out + "]");
  };
  const auto rebuild_text = [&](int64_t id) {
    std::vector<std::string> out;
    const Rebuild r = history_->rebuild(1, id);
    EXPECT_EQ(r.ids.size(), r.updates.size());
    for (size_t i = 0; i < r.updates.size(); ++i) {
      out.push_back(std::to_string(r.ids[i]) + "=" + text(r.updates[i]));
    }
    return out;
  };
  std::vector<Version> v;
  for (const char* s : {"a", "b", "c", "d", "e"}) v.push_back(capture(s));
  const auto at = [&](size_t i, const std::string& what) { return std::to_string(v[i].id) + "=" + what; };
  // No checkpoint yet: the whole chain.
  EXPECT_EQ(rebuild_text(v[2].id), (std::vector<std::string>{at(0, "d:a"), at(1, "d:b"), at(2, "d:c")}));
  EXPECT_FALSE(history_->rebuild(1, v[2].id).from_checkpoint);
  EXPECT_FALSE(history_->checkpoint(1, v[1].id, 3, join_all)) << "two versions: not due";
  EXPECT_TRUE(history_->checkpoint(1, v[2].id, 3, join_all));
  EXPECT_FALSE(history_->checkpoint(1, v[2].id, 3, join_all)) << "made already";
  EXPECT_FALSE(history_->checkpoint(1, v[3].id, 3, join_all)) << "one version after the last";
  EXPECT_FALSE(history_->checkpoint(1, 999999, 1, join_all)) << "no such version";
  EXPECT_EQ(rebuild_text(v[4].id), (std::vector<std::string>{at(2, "[d:a+d:b+d:c]"), at(3, "d:d"), at(4, "d:e")}));
  EXPECT_TRUE(history_->rebuild(1, v[4].id).from_checkpoint);
  EXPECT_EQ(rebuild_text(v[2].id), std::vector<std::string>{at(2, "[d:a+d:b+d:c]")});
  EXPECT_EQ(rebuild_text(v[1].id), (std::vector<std::string>{at(0, "d:a"), at(1, "d:b")}));
  EXPECT_TRUE(history_->rebuild(1, 999999).updates.empty());
  // The next one starts from the last: its state is the checkpoint and the deltas after it.
  const Version f = capture("f");
  EXPECT_TRUE(history_->checkpoint(1, f.id, 3, join_all));
  EXPECT_EQ(rebuild_text(f.id), std::vector<std::string>{std::to_string(f.id) + "=[[d:a+d:b+d:c]+d:d+d:e+d:f]"});
  // Removing a version before a checkpoint leaves the checkpoint as it is.
  EXPECT_TRUE(history_->remove(1, v[3].id, counting_merge()));
  EXPECT_EQ(rebuild_text(f.id), std::vector<std::string>{std::to_string(f.id) + "=[[d:a+d:b+d:c]+d:d+d:e+d:f]"});
  // Removing a checkpoint's version takes the checkpoint: the rebuild goes back to the one before.
  EXPECT_TRUE(history_->remove(1, f.id, counting_merge()));
  EXPECT_EQ(rebuild_text(v[4].id), (std::vector<std::string>{at(2, "[d:a+d:b+d:c]"), at(4, "d:d|d:e")}));
  // Checkpoints go with their document.
  delete_document(1);
  store_->transact([&](Sql& sql) {
    EXPECT_EQ(sql.exec("SELECT COUNT(*) FROM document_checkpoints", {}).at(0).int64(0), 0);
  });
}

TEST_P(HistoryTest, RemovingTheHeadMakesThePreviousVersionTheBase) {
  const Version v1 = capture("a");
  const Version v2 = capture("b");
  EXPECT_TRUE(history_->remove(1, v2.id, counting_merge()));
  EXPECT_EQ(merges_, 0);  // nothing after it needs its delta
  EXPECT_EQ(history_->head(1)->id, v1.id);
  EXPECT_EQ(chain_text(v1.id), std::vector<std::string>{"d:a"});
  // The removed head's state is no longer the head's: capturing it again adds a version whose
  // delta is taken against v1.
  const Version again = capture("b");
  EXPECT_NE(again.id, v2.id);
  EXPECT_EQ(heads_.back(), "sv:a");
  EXPECT_EQ(chain_text(again.id), (std::vector<std::string>{"d:a", "d:b"}));

  // With the only versions gone, the next capture starts the chain.
  EXPECT_TRUE(history_->remove(1, again.id, counting_merge()));
  EXPECT_TRUE(history_->remove(1, v1.id, counting_merge()));
  EXPECT_EQ(history_->head(1), std::nullopt);
  capture("c");
  EXPECT_EQ(heads_.back(), "none");
}

TEST_P(HistoryTest, ThinRemovesThePickedVersionsMergingForward) {
  std::vector<int64_t> ids;
  for (int i = 1; i <= 6; ++i) {
    ids.push_back(
        capture("v" + std::to_string(i), {i}, i == 3 ? "kept" : std::optional<std::string>()).id);
  }
  const int64_t foreign = capture("x", {}, std::nullopt, 2).id;
  std::vector<int64_t> seen;
  const size_t removed = history_->thin(
      1,
      [&](const std::vector<Version>& all) {
        seen = ids_of(all);
        // v3 is named (ignored), 999999 and `foreign` are not versions of this document.
        return std::vector<int64_t>{ids[4], ids[0], ids[1], ids[2], 999999, foreign};
      },
      counting_merge());
  EXPECT_EQ(seen, ids);  // every version, oldest first
  EXPECT_EQ(removed, 3u);
  EXPECT_EQ(ids_of(history_->list(1, std::nullopt, 10)),
            (std::vector<int64_t>{ids[5], ids[3], ids[2]}));
  // v1 and v2 went into the named v3 (as two removes would have merged them), v5 into v6.
  EXPECT_EQ(chain_text(ids[5]), (std::vector<std::string>{"d:v1|d:v2|d:v3", "d:v4", "d:v5|d:v6"}));
  EXPECT_EQ(merges_, 3);
  EXPECT_EQ(history_->get(1, ids[2])->user_ids, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(history_->get(1, ids[5])->user_ids, (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(history_->get(1, ids[2])->name, "kept");
  EXPECT_TRUE(history_->get(2, foreign));

  // Picking nothing changes nothing; picking the tail merges nothing.
  EXPECT_EQ(history_->thin(
                1, [](const auto&) { return std::vector<int64_t>{}; }, counting_merge()),
            0u);
  merges_ = 0;
  EXPECT_EQ(history_->thin(
                1,
                [&](const auto&) {
                  return std::vector<int64_t>{ids[3], ids[5]};
                },
                counting_merge()),
            2u);
  EXPECT_EQ(merges_, 0);
  EXPECT_EQ(ids_of(history_->list(1, std::nullopt, 10)), std::vector<int64_t>{ids[2]});
  EXPECT_EQ(history_->thin(
                3, [](const auto&) { return std::vector<int64_t>{1}; }, counting_merge()),
            0u);  // no such document
}

TEST_P(HistoryTest, AFailingMergeChangesNothing) {
  const Version v1 = capture("a");
  const Version v2 = capture("b");
  const MergeFn failing = [](const Bytes&, const Bytes&) -> Bytes {
    throw std::runtime_error("merge failed");
  };
  EXPECT_THROW(history_->remove(1, v1.id, failing), std::runtime_error);
  EXPECT_THROW(history_->thin(
                   1, [&](const auto&) { return std::vector<int64_t>{v1.id}; }, failing),
               std::runtime_error);
  EXPECT_EQ(chain_text(v2.id), (std::vector<std::string>{"d:a", "d:b"}));
}

TEST_P(HistoryTest, CaptureOfAMissingDocumentFails) {
  EXPECT_THROW(capture("s", {}, std::nullopt, 3), StoreError);
  EXPECT_TRUE(heads_.empty());
}

TEST_P(HistoryTest, DeletingTheDocumentDeletesItsVersions) {
  const Version v = capture("a");
  capture("b");
  const Version other = capture("x", {}, std::nullopt, 2);
  delete_document(1);
  EXPECT_EQ(history_->head(1), std::nullopt);
  EXPECT_EQ(history_->get(1, v.id), std::nullopt);
  EXPECT_TRUE(history_->list(1, std::nullopt, 10).empty());
  EXPECT_TRUE(history_->chain(1, v.id).empty());
  int64_t rows = -1;
  store_->transact([&](Sql& sql) {
    rows =
        sql.exec("SELECT count(*) FROM document_versions WHERE document_id = $1", {int64_t{1}})[0]
            .int64(0);
  });
  EXPECT_EQ(rows, 0);
  EXPECT_EQ(history_->head(2)->id, other.id);
}

TEST_P(HistoryTest, BinaryColumnsRoundTrip) {
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<uint8_t>(i));
  const Capture c{.document_id = 1,
                  .kind = "auto",
                  .state_vector = all,
                  .fingerprint = all,
                  .size = 0,
                  .user_ids = {}};
  const Version v1 = history_->capture(
      c, [&](const std::optional<Bytes>&, const std::optional<Bytes>&) { return all; });
  EXPECT_EQ(history_->chain(1, v1.id), std::vector<Bytes>{all});
  // The head's state vector comes back byte for byte; an empty delta is stored as empty.
  Capture next = c;
  next.fingerprint = Bytes{0};
  std::optional<Bytes> given, given_fingerprint;
  const Version v2 =
      history_->capture(next, [&](const std::optional<Bytes>& sv, const std::optional<Bytes>& fp) {
        given = sv;
        given_fingerprint = fp;
        return Bytes{};
      });
  EXPECT_EQ(given, all);
  EXPECT_EQ(given_fingerprint, c.fingerprint);  // the head's, byte for byte
  EXPECT_EQ(history_->chain(1, v2.id), (std::vector<Bytes>{all, Bytes{}}));
  EXPECT_EQ(history_->head(1)->user_ids, std::vector<int64_t>{});
}

// Instances capturing one document at once: every delta is taken against the version before it
// in the chain. The fake delta records "<head's state vector> -> <own state vector>", so each link
// must start where the previous one ended.
TEST_P(HistoryTest, ConcurrentCapturesFormOneChain) {
  constexpr int kThreads = 2;
  constexpr int kCaptures = 16;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      auto s = open();
      History h(*s);
      for (int i = 0; i < kCaptures; ++i) {
        const std::string state = std::to_string(t) + "." + std::to_string(i);
        h.capture({.document_id = 1,
                   .kind = "auto",
                   .state_vector = bytes(state),
                   .fingerprint = bytes(state),
                   .size = 1,
                   .user_ids = {t}},
                  [&](const std::optional<Bytes>& head_sv, const std::optional<Bytes>&) {
                    return bytes((head_sv ? text(*head_sv) : "none") + "->" + state);
                  });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto chain = chain_text(history_->head(1)->id);
  ASSERT_EQ(chain.size(), static_cast<size_t>(kThreads * kCaptures));
  std::string previous = "none";
  for (const std::string& link : chain) {
    const size_t arrow = link.find("->");
    ASSERT_NE(arrow, std::string::npos) << link;
    EXPECT_EQ(link.substr(0, arrow), previous) << link;
    previous = link.substr(arrow + 2);
  }
}

// Amounts ride along with the users: summed when the same state is captured again (another
// instance) and when a version's row hands its users to the next one.
TEST_P(HistoryTest, EditAmountsAreKeptAndSummed) {
  auto edits_capture = [&](const std::string& state, std::vector<UserEdits> edits) {
    Capture c{.document_id = 1,
              .kind = "auto",
              .state_vector = bytes("sv:" + state),
              .fingerprint = bytes("fp:" + state),
              .size = 1,
              .user_ids = {9},
              .edits = std::move(edits)};
    return history_->capture(c, [&](const std::optional<Bytes>&, const std::optional<Bytes>&) {
      return bytes("d:" + state);
    });
  };
  const Version a = edits_capture("a", {{.user_id = 2, .inserted = 10, .deleted = 1}});
  EXPECT_EQ(a.user_ids, (std::vector<int64_t>{2, 9}));
  EXPECT_EQ(a.edits, (std::vector<UserEdits>{{2, 10, 1}, {9, 0, 0}}));
  const Version again = edits_capture("a", {{.user_id = 2, .inserted = 5, .deleted = 0}});
  EXPECT_EQ(again.id, a.id);
  EXPECT_EQ(again.edits, (std::vector<UserEdits>{{2, 15, 1}, {9, 0, 0}}));
  const Version b = edits_capture("b", {{.user_id = 3, .inserted = 4, .deleted = 4}});
  ASSERT_TRUE(history_->remove(1, a.id, concat_merge));
  EXPECT_EQ(history_->get(1, b.id)->edits,
            (std::vector<UserEdits>{{2, 15, 1}, {3, 4, 4}, {9, 0, 0}}));
}

TEST_P(HistoryTest, ClientsAreRecordedOnceAndGoWithTheDocument) {
  EXPECT_TRUE(history_->clients(1).empty());
  const uint64_t big = 0xFFFFFFFFFFFFFFF0ULL;  // client ids are unsigned: stored as the same bits
  history_->record_clients(1, {{.client = 11, .user_id = 1}, {.client = big, .user_id = 2}});
  history_->record_clients(1, {{.client = 11, .user_id = 2}, {.client = 12, .user_id = 2}});
  history_->record_clients(2, {{.client = 11, .user_id = 3}});
  const auto clients = history_->clients(1);
  EXPECT_EQ(clients.size(), 3u);
  EXPECT_EQ(clients.at(11), 1);  // the first record stands
  EXPECT_EQ(clients.at(big), 2);
  EXPECT_EQ(clients.at(12), 2);
  EXPECT_EQ(history_->clients(2).at(11), 3);
  delete_document(1);
  EXPECT_TRUE(history_->clients(1).empty());
  EXPECT_THROW(history_->record_clients(1, {{.client = 5, .user_id = 1}}), StoreError);
}

TEST_P(HistoryTest, PointsGiveEachVersionsStateVectorInOrder) {
  const Version a = capture("a");
  const Version b = capture("b");
  capture("c");
  const auto all = history_->points(1, std::nullopt);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, a.id);
  EXPECT_EQ(text(all[1].state_vector), "sv:b");
  EXPECT_TRUE(std::regex_match(all[2].created_at, kIsoMillis));
  const auto upto = history_->points(1, b.id);
  ASSERT_EQ(upto.size(), 2u);
  EXPECT_EQ(upto.back().id, b.id);
}

INSTANTIATE_TEST_SUITE_P(Adapters, HistoryTest, ::testing::ValuesIn(testing::all_backends()),
                         testing::backend_name);

}  // namespace
}  // namespace store
