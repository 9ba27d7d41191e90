// traces_test.cpp — real editing traces (tests/data/editing-traces) replayed through the engine
// must end exactly at each trace's endContent, and so must a doc loaded from the encoded state.
#include <gtest/gtest.h>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include "crdt/doc.hpp"

namespace crdt {
namespace {

std::string gunzip_file(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

class Traces : public ::testing::TestWithParam<std::string> {};

TEST_P(Traces, ReplayEndsAtEndContent) {
  const auto trace = nlohmann::json::parse(
      gunzip_file(std::string(WEFT_TRACES_DIR) + "/" + GetParam() + ".json.gz"));
  Doc doc(1);
  std::vector<Bytes> updates;
  for (const auto& txn : trace.at("txns")) {
    updates.push_back(doc.transact([&](Transaction& tr) {
      for (const auto& p : txn.at("patches")) {
        const uint64_t pos = p.at(0);
        const uint64_t del = p.at(1);
        const std::string ins = p.at(2);
        if (del > 0) doc.delete_text(tr, "content", pos, del);
        if (!ins.empty()) doc.insert_text(tr, "content", pos, utf8_to_utf16(ins));
      }
    }));
  }
  const std::string expected = trace.at("endContent");
  ASSERT_EQ(doc.text("content"), expected);

  Doc loaded(2);
  loaded.apply_update(doc.encode_state_as_update());
  EXPECT_EQ(loaded.text("content"), expected);

  Doc replayed(3);
  for (const Bytes& u : updates) replayed.apply_update(u);
  EXPECT_EQ(replayed.text("content"), expected);
  EXPECT_EQ(replayed.encode_state_as_update(), doc.encode_state_as_update());
}

INSTANTIATE_TEST_SUITE_P(EditingTraces, Traces,
                         ::testing::Values("automerge-paper", "seph-blog1", "friendsforever_flat",
                                           "clownschool_flat"));

}  // namespace
}  // namespace crdt
