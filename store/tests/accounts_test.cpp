// accounts_test.cpp — Accounts (users, document metadata, members, sessions) on every backend of
// backends.hpp, plus the backend-free pieces of the Sql primitive it reads rows with (SqlRow's
// timestamp folding, recognizing a conflict from a database message).
#include "store/accounts.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "store/projects.hpp"
#include "store/tests/backends.hpp"

namespace store {
namespace {

// ISO 8601 UTC with milliseconds, whatever the backend stores.
const std::regex kIsoMillis(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");

class AccountsTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    store_ = open();
    accounts_ = std::make_unique<Accounts>(*store_);
  }

  User make_user(const std::string& name) {
    return accounts_->create_user(name, name + "@example.com", "hash-" + name);
  }
  DocumentInfo make_document(int64_t owner, const std::string& title, bool is_public = false) {
    return accounts_->create_document({.owner_id = owner, .title = title, .is_public = is_public});
  }
  // Ids of documents_for(user), in order, each with its access name.
  std::vector<std::string> listing(int64_t user) {
    std::vector<std::string> out;
    for (const auto& [doc, access] : accounts_->documents_for(user)) {
      out.push_back(doc.title + ":" + access_name(access));
    }
    return out;
  }
  // Changes the title of `id` until its updated_at is later than `than` (timestamps have
  // millisecond resolution, so two writes in one millisecond tie); fails after a deadline.
  void touch_until_after(int64_t id, const std::string& than) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int n = 0;
    while (accounts_->document(id)->updated_at <= than) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "updated_at never moved past " << than;
      ASSERT_TRUE(accounts_->update_document(id, {.language = "touch" + std::to_string(n++)}));
    }
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<Accounts> accounts_;
};

TEST_P(AccountsTest, CreateUserReturnsTheStoredRow) {
  const User ann = accounts_->create_user("Ann", "Ann@Example.COM", "h1");
  EXPECT_GT(ann.id, 0);
  EXPECT_EQ(ann.username, "Ann");  // kept as typed
  EXPECT_EQ(ann.email, "ann@example.com");
  EXPECT_TRUE(std::regex_match(ann.created_at, kIsoMillis)) << ann.created_at;

  const User bob = accounts_->create_user("bob", std::nullopt, "h2");
  EXPECT_NE(bob.id, ann.id);
  EXPECT_EQ(bob.email, std::nullopt);

  const auto again = accounts_->user(ann.id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->username, "Ann");
  EXPECT_EQ(again->email, "ann@example.com");
  EXPECT_EQ(again->created_at, ann.created_at);
  EXPECT_EQ(accounts_->user(bob.id)->email, std::nullopt);
  EXPECT_EQ(accounts_->user(999), std::nullopt);
}

TEST_P(AccountsTest, UsernamesConflictCaseInsensitively) {
  accounts_->create_user("Alice", "alice@example.com", "h");
  try {
    accounts_->create_user("aLICE", "other@example.com", "h");
    FAIL() << "no conflict";
  } catch (const Conflict& c) {
    EXPECT_EQ(c.field(), "username");
  }
  EXPECT_EQ(accounts_->user_by_username("alice")->username, "Alice");
  // Users without an email do not conflict with each other on it.
  accounts_->create_user("x", std::nullopt, "h");
  accounts_->create_user("y", std::nullopt, "h");
}

TEST_P(AccountsTest, EmailsConflictCaseInsensitivelyNamingTheEmail) {
  accounts_->create_user("ann", "Ann@Example.com", "h");
  try {
    accounts_->create_user("bob", "ANN@example.COM", "h");
    FAIL() << "no conflict";
  } catch (const Conflict& c) {
    EXPECT_EQ(c.field(), "email");
  }
  EXPECT_EQ(accounts_->user_by_username("bob"), std::nullopt);  // nothing half-created
}

// Without the check in create_user (a racing registration), the unique index of migration 2 still
// refuses the row, and the adapter reports which field from the index's name.
TEST_P(AccountsTest, UniqueIndexesReportConflictsToo) {
  accounts_->create_user("Ann", "ann@example.com", "h");
  const auto insert = [&](const std::string& username, const std::string& email) {
    store_->transact([&](Sql& sql) {
      sql.exec("INSERT INTO users (username, email, password_hash) VALUES ($1, $2, 'h')",
               {username, email});
    });
  };
  try {
    insert("aNN", "new@example.com");
    FAIL() << "no conflict";
  } catch (const Conflict& c) {
    EXPECT_EQ(c.field(), "username");
  }
  try {
    insert("bob", "ANN@example.com");
    FAIL() << "no conflict";
  } catch (const Conflict& c) {
    EXPECT_EQ(c.field(), "email");
  }
  try {
    insert("carol", "carol@example.com");
    insert("email", "carol@example.com");  // the same email exactly: the v1 column constraint
    FAIL() << "no conflict";
  } catch (const Conflict& c) {
    EXPECT_EQ(c.field(), "email");
  }
  try {
    // PostgreSQL's message quotes the duplicate key ("myemail") on its DETAIL line; the field
    // comes from the index name.
    insert("MyEmail", "me@example.com");
    insert("myEMAIL", "other@example.com");
    FAIL() << "no conflict";
  } catch (const Conflict& c) {
    EXPECT_EQ(c.field(), "username");
  }
  EXPECT_EQ(accounts_->user_by_username("bob"), std::nullopt);
  EXPECT_EQ(accounts_->user_by_username("email"), std::nullopt);
}

TEST_P(AccountsTest, FindLoginByUsernameOrEmail) {
  const User ann = accounts_->create_user("Ann", "ann@example.com", "$2b$12$hash");
  accounts_->create_user("ann@example", std::nullopt, "not this one");

  const auto by_name = accounts_->find_login("aNN");
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->user.id, ann.id);
  EXPECT_EQ(by_name->user.username, "Ann");
  EXPECT_EQ(by_name->password_hash, "$2b$12$hash");

  const auto by_email = accounts_->find_login("ANN@Example.com");
  ASSERT_TRUE(by_email);
  EXPECT_EQ(by_email->user.id, ann.id);
  EXPECT_EQ(by_email->user.email, "ann@example.com");
  EXPECT_EQ(by_email->password_hash, "$2b$12$hash");

  // A login with '@' is an email, never a username.
  EXPECT_EQ(accounts_->find_login("ann@example"), std::nullopt);
  EXPECT_EQ(accounts_->find_login("nobody"), std::nullopt);
  EXPECT_EQ(accounts_->find_login("nobody@example.com"), std::nullopt);
  EXPECT_EQ(accounts_->find_login(""), std::nullopt);
}

TEST_P(AccountsTest, UserByUsernameIsCaseInsensitive) {
  const User ann = make_user("Ann");
  EXPECT_EQ(accounts_->user_by_username("ANN")->id, ann.id);
  EXPECT_EQ(accounts_->user_by_username("ann")->id, ann.id);
  EXPECT_EQ(accounts_->user_by_username("an"), std::nullopt);
  EXPECT_EQ(accounts_->user_by_username("ann%"), std::nullopt);  // no pattern matching
}

TEST_P(AccountsTest, CreateDocumentStoresStateAndContent) {
  const User ann = make_user("ann");
  const Bytes state = {1, 0, 2, 0xff};
  const DocumentInfo doc = accounts_->create_document({.owner_id = ann.id,
                                                       .title = "Notes",
                                                       .language = "markdown",
                                                       .is_public = true,
                                                       .yjs_state = state,
                                                       .content = "# hello"});
  EXPECT_GT(doc.id, 0);
  EXPECT_EQ(doc.title, "Notes");
  EXPECT_EQ(doc.language, "markdown");
  EXPECT_TRUE(doc.is_public);
  EXPECT_EQ(doc.owner_id, ann.id);
  EXPECT_EQ(doc.owner_username, "ann");
  EXPECT_TRUE(std::regex_match(doc.created_at, kIsoMillis)) << doc.created_at;
  EXPECT_TRUE(std::regex_match(doc.updated_at, kIsoMillis)) << doc.updated_at;

  const auto stored = store_->load(doc.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->yjs_state, state);
  EXPECT_TRUE(stored->updates.empty());
  EXPECT_EQ(store_->content(doc.id), "# hello");

  const auto again = accounts_->document(doc.id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->title, "Notes");
  EXPECT_EQ(again->created_at, doc.created_at);
  EXPECT_EQ(again->updated_at, doc.updated_at);
  EXPECT_EQ(accounts_->document(doc.id + 1), std::nullopt);
}

TEST_P(AccountsTest, CreateDocumentDefaultsAndNoOwner) {
  const DocumentInfo doc = accounts_->create_document({.title = "loose"});
  EXPECT_EQ(doc.owner_id, 0);
  EXPECT_EQ(doc.owner_username, "");
  EXPECT_EQ(doc.language, "plaintext");
  EXPECT_FALSE(doc.is_public);
  EXPECT_EQ(store_->load(doc.id)->yjs_state, std::nullopt);
  EXPECT_EQ(store_->content(doc.id), "");
  // Ids keep coming from the same sequence as documents made by ensure_document.
  const DocumentInfo next = accounts_->create_document({.title = "next"});
  EXPECT_GT(next.id, doc.id);
}

TEST_P(AccountsTest, AccessFollowsOwnershipMembershipAndVisibility) {
  const User owner = make_user("owner");
  const User editor = make_user("editor");
  const User viewer = make_user("viewer");
  const User stranger = make_user("stranger");
  const DocumentInfo open_doc = make_document(owner.id, "public", true);
  const DocumentInfo closed = make_document(owner.id, "private", false);
  for (const auto& doc : {open_doc, closed}) {
    accounts_->set_member(doc.id, editor.id, "editor");
    accounts_->set_member(doc.id, viewer.id, "viewer");
  }

  EXPECT_EQ(accounts_->access(closed.id, owner.id), Access::kOwner);
  EXPECT_EQ(accounts_->access(closed.id, editor.id), Access::kEditor);
  EXPECT_EQ(accounts_->access(closed.id, viewer.id), Access::kViewer);
  EXPECT_EQ(accounts_->access(closed.id, stranger.id), Access::kNone);

  EXPECT_EQ(accounts_->access(open_doc.id, owner.id), Access::kOwner);
  EXPECT_EQ(accounts_->access(open_doc.id, editor.id), Access::kEditor);
  EXPECT_EQ(accounts_->access(open_doc.id, viewer.id), Access::kViewer);  // stays a viewer
  EXPECT_EQ(accounts_->access(open_doc.id, stranger.id), Access::kEditor);

  EXPECT_EQ(accounts_->access(closed.id + 100, owner.id), std::nullopt);
  // A document without an owner is no one's, not user 0's.
  const DocumentInfo loose = accounts_->create_document({.title = "loose"});
  EXPECT_EQ(accounts_->access(loose.id, 0), Access::kNone);
}

TEST_P(AccountsTest, AccessNames) {
  EXPECT_STREQ(access_name(Access::kOwner), "owner");
  EXPECT_STREQ(access_name(Access::kEditor), "editor");
  EXPECT_STREQ(access_name(Access::kViewer), "viewer");
  EXPECT_STREQ(access_name(Access::kNone), "none");
}

TEST_P(AccountsTest, DocumentsForListsOwnedSharedAndPublicNewestFirst) {
  const User ann = make_user("ann");
  const User bob = make_user("bob");
  const DocumentInfo mine = make_document(ann.id, "mine");
  const DocumentInfo shared = make_document(bob.id, "shared");
  const DocumentInfo viewed = make_document(bob.id, "viewed", true);
  const DocumentInfo open_doc = make_document(bob.id, "public", true);
  const DocumentInfo hidden = make_document(bob.id, "hidden");
  accounts_->set_member(shared.id, ann.id, "editor");
  accounts_->set_member(viewed.id, ann.id, "viewer");

  // Same updated_at (one millisecond) or not, the newest id comes first among equals; make the
  // order unambiguous by moving `mine` past everything else.
  touch_until_after(mine.id, accounts_->document(hidden.id)->updated_at);
  EXPECT_EQ(listing(ann.id), (std::vector<std::string>{"mine:owner", "public:editor",
                                                       "viewed:viewer", "shared:editor"}));
  EXPECT_EQ(listing(bob.id), (std::vector<std::string>{"hidden:owner", "public:owner",
                                                       "viewed:owner", "shared:owner"}));
  const User carol = make_user("carol");
  EXPECT_EQ(listing(carol.id), (std::vector<std::string>{"public:editor", "viewed:editor"}));

  // Rows carry the owner and the metadata.
  const auto rows = accounts_->documents_for(ann.id);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].first.id, mine.id);
  EXPECT_EQ(rows[0].first.owner_username, "ann");
  EXPECT_EQ(rows[1].first.id, open_doc.id);
  EXPECT_EQ(rows[1].first.owner_username, "bob");
  EXPECT_TRUE(rows[1].first.is_public);
  EXPECT_TRUE(std::regex_match(rows[1].first.updated_at, kIsoMillis));
}

TEST_P(AccountsTest, DocumentsForOrdersByUpdatedAt) {
  const User ann = make_user("ann");
  const DocumentInfo a = make_document(ann.id, "a");
  const DocumentInfo b = make_document(ann.id, "b");
  const DocumentInfo c = make_document(ann.id, "c");
  touch_until_after(b.id, c.updated_at);
  EXPECT_EQ(listing(ann.id), (std::vector<std::string>{"b:owner", "c:owner", "a:owner"}));
  touch_until_after(a.id, accounts_->document(b.id)->updated_at);
  EXPECT_EQ(listing(ann.id), (std::vector<std::string>{"a:owner", "b:owner", "c:owner"}));
}

// Every page walk, whatever the filter and the page size, yields the filter's part of
// documents_for in its order, each document once — with many updated_at values tied (documents
// made within a millisecond), so the id must break the ties exactly.
TEST_P(AccountsTest, DocumentPagesWalkEachFilterOnceInOrder) {
  const User ann = make_user("ann");
  const User bob = make_user("bob");
  const User carol = make_user("carol");
  std::set<int64_t> shared_with_ann;
  for (int i = 0; i < 40; ++i) {
    const int64_t owner = i % 3 == 0 ? ann.id : i % 3 == 1 ? bob.id : carol.id;
    const std::string title = (i % 5 == 0 ? "Notes_" : "main ") + std::to_string(i) + ".py";
    const DocumentInfo d = make_document(owner, title, i % 4 == 0);
    if (owner != ann.id && (i % 7 == 0 || i % 7 == 3)) {
      accounts_->set_member(d.id, ann.id, i % 7 == 0 ? "viewer" : "editor");
      shared_with_ann.insert(d.id);
    }
  }
  // A file of a project is never listed.
  Projects projects(*store_);
  const ProjectInfo p = projects.create_project(ann.id, "proj", true);
  ASSERT_TRUE(projects.create_file(p.id, {.path = "src/a.py"}));

  const auto everything = accounts_->documents_for(ann.id);
  using Filter = DocumentQuery::Filter;
  const auto wanted = [&](Filter f, const std::string& q) {
    std::vector<std::string> out;
    for (const auto& [doc, access] : everything) {
      const bool member = shared_with_ann.count(doc.id) > 0;
      const bool mine = access == Access::kOwner;
      const bool in = f == Filter::kAll || (f == Filter::kMine && mine) ||
                      (f == Filter::kShared && member && !doc.is_public) ||
                      (f == Filter::kPublic && !mine && doc.is_public);
      std::string lower = doc.title;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (in && lower.find(q) != std::string::npos)
        out.push_back(doc.title + ":" + access_name(access));
    }
    return out;
  };
  for (const Filter f : {Filter::kAll, Filter::kMine, Filter::kShared, Filter::kPublic}) {
    for (const std::string q : {"", "notes_", "NOTES_", "1", "%", "_"}) {
      for (const size_t limit : {1u, 3u, 7u, 100u}) {
        std::vector<std::string> walked;
        DocumentQuery query{.user_id = ann.id, .filter = f, .title = q, .limit = limit};
        for (int pages = 0; pages < 100; ++pages) {
          const DocumentPage page = accounts_->document_page(query);
          EXPECT_LE(page.documents.size(), limit);
          for (const auto& [doc, access] : page.documents)
            walked.push_back(doc.title + ":" + access_name(access));
          if (!page.next) break;
          EXPECT_EQ(page.documents.size(), limit);
          query.after = page.next;
        }
        std::string lower_q = q;
        for (char& ch : lower_q)
          ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        EXPECT_EQ(walked, wanted(f, lower_q))
            << "filter " << static_cast<int>(f) << " q \"" << q << "\" limit " << limit;
      }
    }
  }
  // "%" and "_" are themselves, not patterns: only the Notes_ titles hold a "_", no title a "%".
  EXPECT_EQ(wanted(Filter::kAll, "%").size(), 0u);
  EXPECT_EQ(wanted(Filter::kAll, "_").size(), wanted(Filter::kAll, "notes_").size());
  EXPECT_GT(wanted(Filter::kAll, "_").size(), 0u);
  // The filters part the list.
  EXPECT_EQ(wanted(Filter::kMine, "").size() + wanted(Filter::kShared, "").size() +
                wanted(Filter::kPublic, "").size(),
            everything.size());
  EXPECT_GT(wanted(Filter::kShared, "").size(), 0u);
}

TEST_P(AccountsTest, UpdateDocumentAppliesOnlyTheSetFields) {
  const User ann = make_user("ann");
  const DocumentInfo doc = make_document(ann.id, "draft");

  ASSERT_TRUE(accounts_->update_document(doc.id, {.title = "final"}));
  auto now = accounts_->document(doc.id);
  EXPECT_EQ(now->title, "final");
  EXPECT_EQ(now->language, "plaintext");
  EXPECT_FALSE(now->is_public);
  EXPECT_GE(now->updated_at, doc.updated_at);
  EXPECT_EQ(now->created_at, doc.created_at);

  ASSERT_TRUE(accounts_->update_document(doc.id, {.language = "cpp", .is_public = true}));
  now = accounts_->document(doc.id);
  EXPECT_EQ(now->title, "final");
  EXPECT_EQ(now->language, "cpp");
  EXPECT_TRUE(now->is_public);

  ASSERT_TRUE(accounts_->update_document(doc.id, {.is_public = false}));
  EXPECT_FALSE(accounts_->document(doc.id)->is_public);

  // The bump: updated_at moves past created_at (waiting out the millisecond if needed).
  touch_until_after(doc.id, doc.created_at);
  EXPECT_GT(accounts_->document(doc.id)->updated_at, accounts_->document(doc.id)->created_at);

  EXPECT_FALSE(accounts_->update_document(doc.id + 100, {.title = "x"}));
  EXPECT_FALSE(accounts_->update_document(doc.id + 100, {}));
}

TEST_P(AccountsTest, DeleteDocumentTakesItsLogMembersAndSessions) {
  const User ann = make_user("ann");
  const User bob = make_user("bob");
  const DocumentInfo doc = make_document(ann.id, "doomed");
  const DocumentInfo other = make_document(ann.id, "kept");
  accounts_->set_member(doc.id, bob.id, "editor");
  accounts_->set_member(other.id, bob.id, "viewer");
  store_->append_updates({{doc.id, std::make_shared<const Bytes>(Bytes{1})},
                          {other.id, std::make_shared<const Bytes>(Bytes{2})}});
  accounts_->open_session(doc.id, bob.id, "i1");
  accounts_->open_session(other.id, bob.id, "i1");

  EXPECT_TRUE(accounts_->delete_document(doc.id));
  EXPECT_EQ(accounts_->document(doc.id), std::nullopt);
  EXPECT_EQ(store_->load(doc.id), std::nullopt);
  EXPECT_EQ(accounts_->access(doc.id, bob.id), std::nullopt);
  EXPECT_TRUE(accounts_->members(doc.id).empty());
  EXPECT_TRUE(accounts_->open_sessions(doc.id).empty());
  EXPECT_FALSE(accounts_->delete_document(doc.id));

  // Nothing of the document is left behind in the other tables.
  std::vector<SqlRow> counts;
  store_->transact([&](Sql& sql) {
    counts = sql.exec(
        "SELECT (SELECT count(*) FROM document_members WHERE document_id = $1), "
        "(SELECT count(*) FROM document_updates WHERE document_id = $1), "
        "(SELECT count(*) FROM sessions WHERE document_id = $1)",
        {doc.id});
  });
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].int64(0), 0);
  EXPECT_EQ(counts[0].int64(1), 0);
  EXPECT_EQ(counts[0].int64(2), 0);

  // The other document is untouched.
  EXPECT_EQ(store_->load(other.id)->updates, std::vector<Bytes>{Bytes{2}});
  EXPECT_EQ(accounts_->members(other.id).size(), 1u);
  EXPECT_EQ(accounts_->open_sessions(other.id).size(), 1u);
  EXPECT_EQ(accounts_->user(bob.id)->username, "bob");
}

TEST_P(AccountsTest, MembersExcludeTheOwnerAndSortByUsername) {
  const User owner = make_user("owner");
  const User zed = make_user("zed");
  const User amy = make_user("Amy");
  const User bob = make_user("bob");
  const DocumentInfo doc = make_document(owner.id, "doc");
  accounts_->set_member(doc.id, zed.id, "viewer");
  accounts_->set_member(doc.id, bob.id, "editor");
  accounts_->set_member(doc.id, amy.id, "viewer");
  accounts_->set_member(doc.id, owner.id, "viewer");  // the owner is never listed as a member

  const auto members = accounts_->members(doc.id);
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].username, "Amy");  // case-insensitive order: Amy, bob, zed
  EXPECT_EQ(members[0].user_id, amy.id);
  EXPECT_EQ(members[0].role, "viewer");
  EXPECT_EQ(members[1].username, "bob");
  EXPECT_EQ(members[1].role, "editor");
  EXPECT_EQ(members[2].username, "zed");
  EXPECT_EQ(accounts_->access(doc.id, owner.id), Access::kOwner);

  EXPECT_TRUE(accounts_->members(doc.id + 100).empty());
}

TEST_P(AccountsTest, SetMemberUpsertsTheRole) {
  const User owner = make_user("owner");
  const User bob = make_user("bob");
  const DocumentInfo doc = make_document(owner.id, "doc");
  accounts_->set_member(doc.id, bob.id, "viewer");
  EXPECT_EQ(accounts_->access(doc.id, bob.id), Access::kViewer);
  accounts_->set_member(doc.id, bob.id, "editor");
  EXPECT_EQ(accounts_->access(doc.id, bob.id), Access::kEditor);
  const auto members = accounts_->members(doc.id);
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].role, "editor");

  EXPECT_THROW(accounts_->set_member(doc.id, bob.id, "owner"), StoreError);
  EXPECT_THROW(accounts_->set_member(doc.id + 100, bob.id, "viewer"), StoreError);  // no document
  EXPECT_EQ(accounts_->members(doc.id)[0].role, "editor");
}

TEST_P(AccountsTest, RemoveMember) {
  const User owner = make_user("owner");
  const User bob = make_user("bob");
  const User carol = make_user("carol");
  const DocumentInfo doc = make_document(owner.id, "doc");
  accounts_->set_member(doc.id, bob.id, "editor");
  accounts_->set_member(doc.id, carol.id, "viewer");

  EXPECT_TRUE(accounts_->remove_member(doc.id, bob.id));
  EXPECT_FALSE(accounts_->remove_member(doc.id, bob.id));
  EXPECT_FALSE(accounts_->remove_member(doc.id, owner.id));  // owners are not members
  EXPECT_EQ(accounts_->access(doc.id, bob.id), Access::kNone);
  const auto members = accounts_->members(doc.id);
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].username, "carol");
}

TEST_P(AccountsTest, SessionsOpenAndClose) {
  const User ann = make_user("ann");
  const User bob = make_user("bob");
  const DocumentInfo doc = make_document(ann.id, "doc");
  const DocumentInfo other = make_document(ann.id, "other");

  const int64_t s1 = accounts_->open_session(doc.id, ann.id, "instance-a");
  const int64_t s2 = accounts_->open_session(doc.id, bob.id, "instance-b");
  const int64_t s3 = accounts_->open_session(doc.id, bob.id, "instance-a");
  const int64_t s4 = accounts_->open_session(other.id, ann.id, "instance-a");
  EXPECT_EQ(std::set<int64_t>({s1, s2, s3, s4}).size(), 4u);

  auto open_now = accounts_->open_sessions(doc.id);
  ASSERT_EQ(open_now.size(), 3u);
  EXPECT_EQ(open_now[0].id, s1);  // oldest first
  EXPECT_EQ(open_now[0].user_id, ann.id);
  EXPECT_EQ(open_now[0].username, "ann");
  EXPECT_EQ(open_now[0].instance_id, "instance-a");
  EXPECT_TRUE(std::regex_match(open_now[0].connected_at, kIsoMillis)) << open_now[0].connected_at;
  EXPECT_EQ(open_now[1].id, s2);
  EXPECT_EQ(open_now[1].username, "bob");
  EXPECT_EQ(open_now[1].instance_id, "instance-b");
  EXPECT_EQ(open_now[2].id, s3);

  accounts_->close_session(s2);
  accounts_->close_session(s2);  // closing twice is harmless
  open_now = accounts_->open_sessions(doc.id);
  ASSERT_EQ(open_now.size(), 2u);
  EXPECT_EQ(open_now[0].id, s1);
  EXPECT_EQ(open_now[1].id, s3);

  // instance-a crashed: its open rows close (s1, s3, s4); instance-b's are already closed.
  EXPECT_EQ(accounts_->close_instance_sessions("instance-a"), 3u);
  EXPECT_EQ(accounts_->close_instance_sessions("instance-a"), 0u);
  EXPECT_EQ(accounts_->close_instance_sessions("instance-b"), 0u);
  EXPECT_TRUE(accounts_->open_sessions(doc.id).empty());
  EXPECT_TRUE(accounts_->open_sessions(other.id).empty());

  // The closed rows keep their disconnect time.
  std::vector<SqlRow> rows;
  store_->transact([&](Sql& sql) {
    rows = sql.exec("SELECT disconnected_at FROM sessions WHERE id = $1", {s2});
  });
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(std::regex_match(rows[0].timestamp(0), kIsoMillis)) << rows[0].timestamp(0);
}

TEST_P(AccountsTest, SqlLookingStringsAreStoredVerbatim) {
  const std::vector<std::string> nasty = {
      "x'); DROP TABLE users;--",
      "\" OR 1=1 --",
      "Robert'); DELETE FROM documents; --",
      "$1 ?1 :x &y {{NOW}} %s \\' \\\\",  // no '@': find_login would read an email
      "h\xc3\xa9llo \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",  // "héllo ✓ 日本 😀"
  };
  const User owner = make_user("owner");
  int n = 0;
  for (const auto& s : nasty) {
    SCOPED_TRACE(s);
    const std::string suffix = std::to_string(n++);
    const User u = accounts_->create_user(s, s + "@" + suffix, s);
    EXPECT_EQ(u.username, s);
    EXPECT_EQ(accounts_->user_by_username(s)->id, u.id);
    const auto login = accounts_->find_login(s);
    ASSERT_TRUE(login);
    EXPECT_EQ(login->password_hash, s);
    EXPECT_EQ(accounts_->find_login(s + "@" + suffix)->user.id, u.id);

    const DocumentInfo doc =
        accounts_->create_document({.owner_id = owner.id, .title = s, .language = s, .content = s});
    EXPECT_EQ(doc.title, s);
    EXPECT_EQ(doc.language, s);
    EXPECT_EQ(store_->content(doc.id), s);
    ASSERT_TRUE(accounts_->update_document(doc.id, {.title = s + s}));
    EXPECT_EQ(accounts_->document(doc.id)->title, s + s);
    accounts_->set_member(doc.id, u.id, "viewer");
    EXPECT_EQ(accounts_->members(doc.id).at(0).username, s);

    const int64_t session = accounts_->open_session(doc.id, u.id, s);
    EXPECT_EQ(accounts_->open_sessions(doc.id).at(0).instance_id, s);
    EXPECT_EQ(accounts_->close_instance_sessions(s), 1u);
    accounts_->close_session(session);
  }
  // Every table is still there and whole.
  EXPECT_EQ(accounts_->user(owner.id)->username, "owner");
  EXPECT_EQ(accounts_->documents_for(owner.id).size(), nasty.size());
  EXPECT_TRUE(store_->ping());
}

TEST_P(AccountsTest, SurvivesReopening) {
  const User ann = make_user("Ann");
  const DocumentInfo doc = make_document(ann.id, "kept", true);
  accounts_.reset();
  store_.reset();
  auto reopened = open();
  Accounts accounts(*reopened);
  EXPECT_EQ(accounts.find_login("ann")->user.id, ann.id);
  EXPECT_EQ(accounts.document(doc.id)->updated_at, doc.updated_at);
  EXPECT_THROW(accounts.create_user("ANN", std::nullopt, "h"), Conflict);
}

INSTANTIATE_TEST_SUITE_P(Adapters, AccountsTest, ::testing::ValuesIn(testing::all_backends()),
                         testing::backend_name);

SqlRow row_of(std::optional<std::string> value) { return SqlRow{{std::move(value)}}; }

TEST(SqlRow, TimestampsOfBothDialectsBecomeIsoMilliseconds) {
  EXPECT_EQ(row_of("2026-11-25T17:30:35.123Z").timestamp(0), "2026-11-25T17:30:35.123Z");
  EXPECT_EQ(row_of("2026-11-25 17:30:35.123456+00").timestamp(0), "2026-11-25T17:30:35.123Z");
  EXPECT_EQ(row_of("2026-11-25 17:30:35.999999+00").timestamp(0), "2026-11-25T17:30:35.999Z");
  EXPECT_EQ(row_of("2026-11-25 17:30:35.1+00").timestamp(0), "2026-11-25T17:30:35.100Z");
  EXPECT_EQ(row_of("2026-11-25 17:30:35+00").timestamp(0), "2026-11-25T17:30:35.000Z");
  EXPECT_EQ(row_of("2026-11-25 17:30:35.12+00:00").timestamp(0), "2026-11-25T17:30:35.120Z");
  EXPECT_EQ(row_of(std::nullopt).timestamp(0), "");
  for (const char* bad : {"2026-11-25 17:30:35+01", "2026-11-25", "2026-11-25T17:30:35.Z",
                          "2026-11-25T17:30:35.123", "yesterday", "2026-1-25 17:30:35+00"}) {
    EXPECT_THROW(row_of(bad).timestamp(0), StoreError) << bad;
  }
}

TEST(SqlRow, TypedReaders) {
  const SqlRow row{{"42", "-7", std::nullopt, "t", "f", "1", "0", "true", "x", "12x"}};
  EXPECT_EQ(row.int64(0), 42);
  EXPECT_EQ(row.int64(1), -7);
  EXPECT_TRUE(row.is_null(2));
  EXPECT_EQ(row.int64(2), 0);
  EXPECT_EQ(row.text(2), "");
  EXPECT_FALSE(row.boolean(2));
  EXPECT_TRUE(row.boolean(3));
  EXPECT_FALSE(row.boolean(4));
  EXPECT_TRUE(row.boolean(5));
  EXPECT_FALSE(row.boolean(6));
  EXPECT_TRUE(row.boolean(7));
  EXPECT_THROW(row.boolean(8), StoreError);
  EXPECT_THROW(row.int64(9), StoreError);
  EXPECT_EQ(row.text(8), "x");
}

// ---- sign-ins and revocation (migration 7) ----

TEST_P(AccountsTest, ASignInNamesItsUserUntilRevoked) {
  const User ann = make_user("ann");
  const User bob = make_user("bob");
  const SignIn first = accounts_->create_sign_in(ann.id, "Firefox", "203.0.113.5");
  const SignIn second = accounts_->create_sign_in(ann.id, "Chromium", "203.0.113.6");
  EXPECT_NE(first.session_id, second.session_id);
  EXPECT_EQ(first.token_version, 0);
  ASSERT_TRUE(accounts_->signed_in_user(ann.id, first.session_id, 0));
  EXPECT_EQ(accounts_->signed_in_user(ann.id, first.session_id, 0)->username, "ann");
  // Another user's sign-in, a wrong version, no sign-in at all: nobody.
  EXPECT_FALSE(accounts_->signed_in_user(bob.id, first.session_id, 0));
  EXPECT_FALSE(accounts_->signed_in_user(ann.id, first.session_id, 1));
  EXPECT_FALSE(accounts_->signed_in_user(ann.id, 0, 0));

  const auto listed = accounts_->sign_ins(ann.id);
  ASSERT_EQ(listed.size(), 2u);
  std::set<std::string> agents;
  for (const auto& s : listed) {
    agents.insert(s.user_agent + "@" + s.ip);
    EXPECT_TRUE(std::regex_match(s.created_at, kIsoMillis)) << s.created_at;
    EXPECT_TRUE(std::regex_match(s.last_seen_at, kIsoMillis)) << s.last_seen_at;
  }
  EXPECT_EQ(agents, (std::set<std::string>{"Firefox@203.0.113.5", "Chromium@203.0.113.6"}));
  EXPECT_TRUE(accounts_->sign_ins(bob.id).empty());

  EXPECT_FALSE(accounts_->revoke_sign_in(bob.id, first.session_id));  // not bob's
  EXPECT_TRUE(accounts_->revoke_sign_in(ann.id, first.session_id));
  EXPECT_FALSE(accounts_->signed_in_user(ann.id, first.session_id, 0));
  EXPECT_TRUE(accounts_->signed_in_user(ann.id, second.session_id, 0));
  EXPECT_EQ(accounts_->sign_ins(ann.id).size(), 1u);
}

TEST_P(AccountsTest, RevokingTokensKeepsOnlyTheGivenSignInAtTheNewVersion) {
  const User ann = make_user("ann");
  const SignIn keep = accounts_->create_sign_in(ann.id, "a", "");
  const SignIn other = accounts_->create_sign_in(ann.id, "b", "");
  EXPECT_EQ(accounts_->change_password(ann.id, "new-hash", keep.session_id), 1);
  EXPECT_EQ(accounts_->find_login("ann")->password_hash, "new-hash");
  EXPECT_FALSE(accounts_->signed_in_user(ann.id, keep.session_id, 0));  // the old token
  EXPECT_TRUE(accounts_->signed_in_user(ann.id, keep.session_id, 1));   // its fresh one
  EXPECT_FALSE(accounts_->signed_in_user(ann.id, other.session_id, 1));
  EXPECT_EQ(accounts_->create_sign_in(ann.id, "c", "").token_version, 1);

  EXPECT_EQ(accounts_->revoke_tokens(ann.id, 0), 2);
  EXPECT_TRUE(accounts_->sign_ins(ann.id).empty());
  EXPECT_FALSE(accounts_->signed_in_user(ann.id, keep.session_id, 2));
}

TEST_P(AccountsTest, DeletingAUserRefusesWhileItSharesAndOtherwiseTakesWhatItOwns) {
  const User ann = make_user("ann");
  const User bob = make_user("bob");
  Projects projects(*store_);
  const DocumentInfo shared = make_document(ann.id, "shared.txt");
  const DocumentInfo alone = make_document(ann.id, "alone.txt", /*is_public=*/true);
  const DocumentInfo bobs = make_document(bob.id, "bobs.txt");
  accounts_->set_member(shared.id, bob.id, "editor");
  accounts_->set_member(bobs.id, ann.id, "editor");
  const ProjectInfo team = projects.create_project(ann.id, "team", false);
  projects.set_member(team.id, bob.id, "viewer");
  const ProjectInfo solo = projects.create_project(ann.id, "solo", false);
  const auto file = projects.create_file(solo.id, {.path = "src/main.c"});
  ASSERT_TRUE(file);
  accounts_->create_sign_in(ann.id, "a", "");

  const AccountDeletion refused = accounts_->delete_user(ann.id);
  EXPECT_FALSE(refused.deleted);
  EXPECT_EQ(refused.shared_documents,
            (std::vector<std::pair<int64_t, std::string>>{{shared.id, "shared.txt"}}));
  EXPECT_EQ(refused.shared_projects,
            (std::vector<std::pair<int64_t, std::string>>{{team.id, "team"}}));
  EXPECT_TRUE(accounts_->user(ann.id));
  EXPECT_TRUE(accounts_->document(alone.id));

  ASSERT_TRUE(accounts_->remove_member(shared.id, bob.id));
  projects.remove_member(team.id, bob.id);
  const AccountDeletion done = accounts_->delete_user(ann.id);
  EXPECT_TRUE(done.deleted);
  EXPECT_EQ(std::set<int64_t>(done.removed_documents.begin(), done.removed_documents.end()),
            (std::set<int64_t>{shared.id, alone.id, file->id}));
  EXPECT_EQ(std::set<int64_t>(done.removed_projects.begin(), done.removed_projects.end()),
            (std::set<int64_t>{team.id, solo.id}));
  EXPECT_FALSE(accounts_->user(ann.id));
  EXPECT_FALSE(accounts_->find_login("ann"));
  EXPECT_FALSE(accounts_->document(shared.id));
  EXPECT_FALSE(accounts_->document(alone.id));
  EXPECT_FALSE(accounts_->document(file->id));
  EXPECT_TRUE(accounts_->sign_ins(ann.id).empty());
  // bob's document stays, without ann as a member.
  EXPECT_TRUE(accounts_->document(bobs.id));
  EXPECT_TRUE(accounts_->members(bobs.id).empty());
  EXPECT_FALSE(accounts_->delete_user(ann.id).found);
}

TEST(SqlConflict, NamesTheFieldFromTheIndexNotTheValue) {
  EXPECT_EQ(conflict_from_message("UNIQUE constraint failed: users.email")->field(), "email");
  EXPECT_EQ(
      conflict_from_message("UNIQUE constraint failed: index 'users_username_lower'")->field(),
      "username");
  EXPECT_EQ(conflict_from_message("ERROR:  duplicate key value violates unique constraint "
                                  "\"users_username_lower\"\nDETAIL:  Key (lower(username))="
                                  "(myemail) already exists.\n")
                ->field(),
            "username");
  EXPECT_EQ(conflict_from_message("ERROR:  duplicate key value violates unique constraint "
                                  "\"documents_pkey\"\n"),
            std::nullopt);
}

}  // namespace
}  // namespace store
