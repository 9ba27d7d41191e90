// store_test.cpp — the behaviour every Store adapter must have, as one value-parameterized suite
// over the backends of backends.hpp (SQLite, and PostgreSQL under tests/postgres/with-postgres.sh).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/store.hpp"
#include "store/tests/backends.hpp"

namespace store {
namespace {

Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

UpdateRow row(int64_t document_id, Bytes data) {
  return {document_id, std::make_shared<const Bytes>(std::move(data))};
}

// A stand-in for the Yjs merge: the state is every update's bytes in order, the content a summary.
Merged concat(const std::optional<Bytes>& state, const std::vector<Bytes>& updates) {
  Bytes out = state.value_or(Bytes{});
  for (const auto& u : updates) out.insert(out.end(), u.begin(), u.end());
  return {.state = out, .content = "merged " + std::to_string(updates.size())};
}

// Like concat, with the state's text as content (for the tests about stored strings).
Merged concat_as_text(const std::optional<Bytes>& state, const std::vector<Bytes>& updates) {
  Merged merged = concat(state, updates);
  merged.content = text(merged.state);
  return merged;
}

class StoreTest : public testing::BackendTest {};

std::vector<std::string> updates_text(const StoredDocument& doc) {
  std::vector<std::string> out;
  for (const auto& u : doc.updates) out.push_back(text(u));
  return out;
}

TEST_P(StoreTest, PingAnswers) { EXPECT_TRUE(open()->ping()); }

TEST_P(StoreTest, MigrationsAreIdempotentAcrossOpens) {
  {
    auto s = open();
    s->ensure_document(1);
    s->append_updates({row(1, bytes("a"))});
  }
  auto again = open();  // runs the migrations a second time
  auto and_again = open();
  ASSERT_TRUE(again->document_exists(1));
  EXPECT_EQ(updates_text(*and_again->load(1)), std::vector<std::string>{"a"});
}

TEST_P(StoreTest, ConcurrentFirstOpensMigrateOnce) {
  std::vector<std::unique_ptr<Store>> stores(2);
  std::vector<std::string> errors(stores.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < stores.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        stores[i] = open();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) ASSERT_EQ(e, "");
  stores[0]->ensure_document(1);
  EXPECT_TRUE(stores[1]->document_exists(1));
}

TEST_P(StoreTest, UnknownDocumentIsAbsent) {
  auto s = open();
  EXPECT_FALSE(s->document_exists(42));
  EXPECT_EQ(s->load(42), std::nullopt);
  EXPECT_EQ(s->content(42), std::nullopt);
  bool called = false;
  EXPECT_EQ(s->compact(42,
                       [&](const auto& st, const auto& u) {
                         called = true;
                         return concat(st, u);
                       }),
            0u);
  EXPECT_FALSE(called);
}

TEST_P(StoreTest, EnsureDocumentCreatesAnEmptyDocumentOnce) {
  auto s = open();
  s->ensure_document(7);
  s->append_updates({row(7, bytes("kept"))});
  s->ensure_document(7);  // no-op: must not reset the document
  EXPECT_TRUE(s->document_exists(7));
  EXPECT_FALSE(s->document_exists(8));
  auto doc = s->load(7);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->id, 7);
  EXPECT_EQ(doc->yjs_state, std::nullopt);
  EXPECT_EQ(updates_text(*doc), std::vector<std::string>{"kept"});
  EXPECT_EQ(s->content(7), "");
}

TEST_P(StoreTest, EnsureDocumentRejectsNonPositiveIds) {
  auto s = open();
  EXPECT_THROW(s->ensure_document(0), StoreError);
  EXPECT_THROW(s->ensure_document(-1), StoreError);
}

TEST_P(StoreTest, AppendThenLoadKeepsOrderPerDocument) {
  auto s = open();
  s->ensure_document(1);
  s->ensure_document(2);
  s->append_updates({row(1, bytes("1a")), row(2, bytes("2a")), row(1, bytes("1b"))});
  s->append_updates({});  // nothing to do
  s->append_updates({row(2, bytes("2b")), row(1, bytes("1c"))});
  EXPECT_EQ(updates_text(*s->load(1)), (std::vector<std::string>{"1a", "1b", "1c"}));
  EXPECT_EQ(updates_text(*s->load(2)), (std::vector<std::string>{"2a", "2b"}));
}

TEST_P(StoreTest, AppendsManyRowsInOneCall) {
  auto s = open();
  s->ensure_document(1);
  s->ensure_document(2);
  std::vector<UpdateRow> rows;
  std::vector<std::string> expected1;
  for (int i = 0; i < 2000; ++i) {
    const std::string u = "u" + std::to_string(i);
    rows.push_back(row(i % 3 == 0 ? 2 : 1, bytes(u)));
    if (i % 3 != 0) expected1.push_back(u);
  }
  s->append_updates(rows);
  EXPECT_EQ(updates_text(*s->load(1)), expected1);
  EXPECT_EQ(s->load(2)->updates.size(), 667u);
}

TEST_P(StoreTest, AppendIsAllOrNothing) {
  auto s = open();
  s->ensure_document(1);
  s->append_updates({row(1, bytes("before"))});
  // The last row has no data: the whole batch must be refused.
  EXPECT_THROW(s->append_updates({row(1, bytes("x")), row(1, bytes("y")), UpdateRow{1, nullptr}}),
               StoreError);
  EXPECT_EQ(updates_text(*s->load(1)), std::vector<std::string>{"before"});
  s->append_updates({row(1, bytes("after"))});  // the store is still usable
  EXPECT_EQ(updates_text(*s->load(1)), (std::vector<std::string>{"before", "after"}));
}

// Deletes document `id` the way Accounts::delete_document does (its log goes with it).
void delete_document(Store& s, int64_t id) {
  s.transact([&](Sql& sql) { sql.exec("DELETE FROM documents WHERE id = $1", {id}); });
}

TEST_P(StoreTest, UpdatesForMissingDocumentsAreSkipped) {
  auto s = open();
  s->ensure_document(1);
  s->ensure_document(2);
  s->append_updates({row(2, bytes("queued"))});
  delete_document(*s, 2);
  // Edits of document 2 that were still queued when it was deleted, and of one that never was.
  s->append_updates(
      {row(1, bytes("a")), row(2, bytes("late")), row(99, bytes("none")), row(1, bytes("b"))});
  EXPECT_EQ(updates_text(*s->load(1)), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s->load(2), std::nullopt);
  EXPECT_FALSE(s->document_exists(2));
  EXPECT_FALSE(s->document_exists(99));
  // Nothing was logged for them: recreating the id finds an empty log.
  s->ensure_document(2);
  EXPECT_TRUE(s->load(2)->updates.empty());
}

TEST_P(StoreTest, CompactOfADeletedDocumentMergesNothing) {
  auto s = open();
  s->ensure_document(1);
  s->append_updates({row(1, bytes("a")), row(1, bytes("b"))});
  delete_document(*s, 1);
  bool called = false;
  EXPECT_EQ(s->compact(1,
                       [&](const auto& st, const auto& u) {
                         called = true;
                         return concat(st, u);
                       }),
            0u);
  EXPECT_FALSE(called);
  EXPECT_EQ(s->load(1), std::nullopt);
}

TEST_P(StoreTest, TransactRollsBackWhenTheBodyThrows) {
  auto s = open();
  s->ensure_document(1);
  EXPECT_THROW(s->transact([](Sql& sql) {
    sql.exec("UPDATE documents SET title = $1 WHERE id = $2", {std::string("changed"), int64_t{1}});
    throw std::runtime_error("body failed");
  }),
               std::runtime_error);
  // A failing statement loses the whole transaction too: the insert before it is undone.
  EXPECT_THROW(s->transact([](Sql& sql) {
    sql.exec("INSERT INTO documents (id, title) VALUES ($1, $2)", {int64_t{2}, std::string("t")});
    sql.exec("INSERT INTO documents (id) VALUES ($1)", {int64_t{1}});  // primary key taken
  }),
               StoreError);
  std::vector<SqlRow> rows;
  s->transact(
      [&](Sql& sql) { rows = sql.exec("SELECT id, title FROM documents ORDER BY id", {}); });
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].int64(0), 1);
  EXPECT_EQ(rows[0].text(1), "Untitled");
}

TEST_P(StoreTest, SqlBindsEveryValueKind) {
  auto s = open();
  const Bytes blob = {0, 1, 0xfe, 0xff};
  std::vector<SqlRow> rows;
  s->transact([&](Sql& sql) {
    sql.exec(
        "INSERT INTO documents (id, title, is_public, yjs_state, owner_id) "
        "VALUES ($1, $2, $3, $4, $5)",
        {int64_t{7}, std::string("it's \"$2\""), true, blob, nullptr});
    rows =
        sql.exec("SELECT id, title, is_public, owner_id, $2 = title FROM documents WHERE id = $1",
                 {int64_t{7}, std::string("it's \"$2\"")});
  });
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].int64(0), 7);
  EXPECT_EQ(rows[0].text(1), "it's \"$2\"");
  EXPECT_TRUE(rows[0].boolean(2));
  EXPECT_TRUE(rows[0].is_null(3));
  EXPECT_TRUE(rows[0].boolean(4));
  EXPECT_EQ(s->load(7)->yjs_state, blob);
}

TEST_P(StoreTest, CompactMergesAndDeletesExactlyWhatItMerged) {
  auto s = open();
  s->ensure_document(1);
  s->ensure_document(2);
  s->append_updates(
      {row(1, bytes("a")), row(2, bytes("other")), row(1, bytes("b")), row(1, bytes("c"))});

  std::vector<std::pair<std::optional<Bytes>, std::vector<Bytes>>> calls;
  auto recording = [&](const std::optional<Bytes>& state, const std::vector<Bytes>& updates) {
    calls.emplace_back(state, updates);
    return concat(state, updates);
  };
  EXPECT_EQ(s->compact(1, recording), 3u);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, std::nullopt);
  EXPECT_EQ(calls[0].second, (std::vector<Bytes>{bytes("a"), bytes("b"), bytes("c")}));

  auto doc = s->load(1);
  EXPECT_EQ(doc->yjs_state, bytes("abc"));
  EXPECT_TRUE(doc->updates.empty());
  EXPECT_EQ(s->content(1), "merged 3");
  // The other document is untouched.
  EXPECT_EQ(updates_text(*s->load(2)), std::vector<std::string>{"other"});
  EXPECT_EQ(s->load(2)->yjs_state, std::nullopt);
  EXPECT_EQ(s->content(2), "");

  // Nothing logged since: no merge, nothing changes.
  EXPECT_EQ(s->compact(1, recording), 0u);
  EXPECT_EQ(calls.size(), 1u);

  // The next compaction starts from the stored state and sees only the new updates.
  s->append_updates({row(1, bytes("d")), row(1, bytes("e"))});
  EXPECT_EQ(s->compact(1, recording), 2u);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].first, bytes("abc"));
  EXPECT_EQ(calls[1].second, (std::vector<Bytes>{bytes("d"), bytes("e")}));
  EXPECT_EQ(s->load(1)->yjs_state, bytes("abcde"));
  EXPECT_EQ(s->content(1), "merged 2");
}

TEST_P(StoreTest, EmptyMergedStateIsStoredAsEmptyNotAbsent) {
  auto s = open();
  s->ensure_document(1);
  s->append_updates({row(1, bytes("x"))});
  EXPECT_EQ(s->compact(1, [](const auto&, const auto&) { return Merged{}; }), 1u);
  auto doc = s->load(1);
  ASSERT_TRUE(doc->yjs_state.has_value());
  EXPECT_TRUE(doc->yjs_state->empty());
}

TEST_P(StoreTest, FailedMergeChangesNothing) {
  auto s = open();
  s->ensure_document(1);
  s->append_updates({row(1, bytes("a"))});
  s->compact(1, concat);
  s->append_updates({row(1, bytes("b"))});
  EXPECT_THROW(
      s->compact(
          1, [](const auto&, const auto&) -> Merged { throw std::runtime_error("merge failed"); }),
      std::runtime_error);
  auto doc = s->load(1);
  EXPECT_EQ(doc->yjs_state, bytes("a"));
  EXPECT_EQ(updates_text(*doc), std::vector<std::string>{"b"});
  EXPECT_EQ(s->content(1), "merged 1");
  EXPECT_EQ(s->compact(1, concat), 1u);  // and the store is still usable
  EXPECT_EQ(s->load(1)->yjs_state, bytes("ab"));
}

// Appender threads log numbered tokens ("t<thread>.<n>;") while compactor threads merge; at the end
// every token must be in the merged state exactly once (nothing lost, nothing merged twice), each
// thread's tokens in the order it appended them. With more than one store the appenders and
// compactors are spread over several connections, as with several instances.
void appends_race_compactions(const std::vector<Store*>& stores) {
  constexpr int kAppenders = 2;
  constexpr int kBatches = 40;
  constexpr int kRowsPerBatch = 3;
  const int64_t id = 1;
  stores[0]->ensure_document(id);

  std::mutex mu;
  std::condition_variable cv;
  int appended_batches = 0;
  int finished_appenders = 0;
  size_t merged_total = 0;
  std::vector<std::string> errors;  // a thread that throws reports here and stops
  auto report = [&](const std::exception& e) {
    std::lock_guard lock(mu);
    errors.emplace_back(e.what());
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kAppenders; ++t) {
    threads.emplace_back([&, t] {
      Store& s = *stores[t % stores.size()];
      int n = 0;
      try {
        for (int b = 0; b < kBatches; ++b) {
          std::vector<UpdateRow> rows;
          for (int r = 0; r < kRowsPerBatch; ++r) {
            rows.push_back(
                row(id, bytes("t" + std::to_string(t) + "." + std::to_string(n++) + ";")));
          }
          s.append_updates(rows);
          std::lock_guard lock(mu);
          ++appended_batches;
          cv.notify_all();
        }
      } catch (const std::exception& e) {
        report(e);
      }
      std::lock_guard lock(mu);
      ++finished_appenders;
      cv.notify_all();
    });
  }
  // Compactors run whenever something new was appended (waiting, not spinning, in between).
  for (Store* s : stores) {
    threads.emplace_back([&, s] {
      int seen = 0;
      while (true) {
        {
          std::unique_lock lock(mu);
          cv.wait(lock,
                  [&] { return appended_batches != seen || finished_appenders == kAppenders; });
          if (appended_batches == seen) return;
          seen = appended_batches;
        }
        try {
          const size_t merged = s->compact(id, concat);
          std::lock_guard lock(mu);
          merged_total += merged;
        } catch (const std::exception& e) {
          report(e);
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(errors, std::vector<std::string>{});
  merged_total += stores[0]->compact(id, concat);

  EXPECT_EQ(merged_total, size_t{kAppenders * kBatches * kRowsPerBatch});
  auto doc = stores.back()->load(id);
  ASSERT_TRUE(doc && doc->yjs_state);
  EXPECT_TRUE(doc->updates.empty());
  std::map<int, std::vector<int>> seen_by_thread;
  const std::string state = text(*doc->yjs_state);
  for (size_t pos = 0; pos < state.size();) {
    const size_t dot = state.find('.', pos);
    const size_t end = state.find(';', dot);
    ASSERT_NE(end, std::string::npos) << state;
    seen_by_thread[std::stoi(state.substr(pos + 1, dot - pos - 1))].push_back(
        std::stoi(state.substr(dot + 1, end - dot - 1)));
    pos = end + 1;
  }
  ASSERT_EQ(seen_by_thread.size(), size_t{kAppenders});
  for (const auto& [thread, tokens] : seen_by_thread) {
    ASSERT_EQ(tokens.size(), size_t{kBatches * kRowsPerBatch}) << "thread " << thread;
    for (size_t i = 0; i < tokens.size(); ++i) EXPECT_EQ(tokens[i], static_cast<int>(i));
  }
}

TEST_P(StoreTest, CompactionDuringConcurrentAppendsLosesNothing) {
  auto s = open();
  appends_race_compactions({s.get()});
}

TEST_P(StoreTest, CompactionDuringConcurrentAppendsOnTwoConnectionsLosesNothing) {
  auto a = open();
  auto b = open();
  appends_race_compactions({a.get(), b.get()});
}

TEST_P(StoreTest, BinaryDataWithZerosSurvivesExactly) {
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<uint8_t>(i));
  const Bytes zeros(17, 0);
  const Bytes empty;
  {
    auto s = open();
    s->ensure_document(1);
    s->append_updates({row(1, all), row(1, zeros), row(1, empty)});
    auto doc = s->load(1);
    EXPECT_EQ(doc->updates, (std::vector<Bytes>{all, zeros, empty}));
    s->compact(1, concat);
    s->append_updates({row(1, zeros)});
  }
  Bytes expected_state = all;
  expected_state.insert(expected_state.end(), zeros.begin(), zeros.end());
  auto doc = open()->load(1);
  EXPECT_EQ(doc->yjs_state, expected_state);
  EXPECT_EQ(doc->updates, std::vector<Bytes>{zeros});
}

TEST_P(StoreTest, SqlLookingStringsAreStoredVerbatim) {
  const std::vector<std::string> nasty = {
      "'); DROP TABLE documents; --",
      "\" OR 1=1 --",
      "Robert'); DELETE FROM document_updates; --",
      "? ?1 $1 :id @x {{NOW}} %s %n \\' \\\\",
      "h\xc3\xa9llo \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac",  // "héllo ✓ 日本" in UTF-8
  };
  auto s = open();
  s->ensure_document(1);
  s->ensure_document(2);
  s->append_updates({row(2, bytes("witness"))});
  for (const auto& str : nasty) {
    s->append_updates({row(1, bytes(str))});
    s->compact(
        1, [](const auto&, const auto& updates) { return concat_as_text(std::nullopt, updates); });
    EXPECT_EQ(s->content(1), str);
    EXPECT_EQ(s->load(1)->yjs_state, bytes(str));
  }
  EXPECT_TRUE(s->document_exists(1));
  EXPECT_TRUE(s->ping());
  EXPECT_EQ(updates_text(*s->load(2)), std::vector<std::string>{"witness"});
}

TEST_P(StoreTest, DataSurvivesCloseAndReopen) {
  {
    auto s = open();
    s->ensure_document(1);
    s->append_updates({row(1, bytes("a")), row(1, bytes("b"))});
    s->compact(1, concat_as_text);
    s->append_updates({row(1, bytes("c"))});
  }
  auto s = open();
  ASSERT_TRUE(s->document_exists(1));
  auto doc = s->load(1);
  EXPECT_EQ(doc->yjs_state, bytes("ab"));
  EXPECT_EQ(updates_text(*doc), std::vector<std::string>{"c"});
  EXPECT_EQ(s->content(1), "ab");
}

// The durability promise: once append_updates has returned, the rows survive kill -9 of the
// process that wrote them (no destructor, no close, no checkpoint).
TEST_P(StoreTest, AcknowledgedAppendSurvivesKill) {
  open()->ensure_document(1);
  const pid_t pid = fork();
  ASSERT_NE(pid, -1);
  if (pid == 0) {
    auto s = open();  // an exception here ends the child by SIGABRT, which the parent reports
    s->append_updates({row(1, bytes("acknowledged"))});
    kill(getpid(), SIGKILL);
    _exit(1);  // not reached
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
  EXPECT_EQ(updates_text(*open()->load(1)), std::vector<std::string>{"acknowledged"});
}

INSTANTIATE_TEST_SUITE_P(Adapters, StoreTest, ::testing::ValuesIn(testing::all_backends()),
                         testing::backend_name);

}  // namespace
}  // namespace store
