// projects_test.cpp — projects, their members and file trees (store/projects.hpp) on every backend
// of backends.hpp, and the path rules and tree snapshot of project_tree.hpp, which need none.
#include "store/projects.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/accounts.hpp"
#include "store/project_tree.hpp"
#include "store/tests/backends.hpp"

namespace store {
namespace {

TEST(ProjectPaths, AcceptsOrdinaryAndHostileNamesVerbatim) {
  for (const char* ok :
       {"main.py", "src/app/main.py", ".gitignore", "a b/c d.txt", "...", "a/..b/c..", "ünï/字.rs",
        "'; DROP TABLE documents; --", "<script>alert(1)</script>.html", "%2e%2e/x", "a:b*c?"}) {
    EXPECT_EQ(path_error(ok), std::nullopt) << ok;
  }
  EXPECT_EQ(path_error(std::string(255, 'a') + "/" + std::string(255, 'b')), std::nullopt);
}

TEST(ProjectPaths, RefusesWhatTheRulesForbid) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "empty"},
      {"/etc/passwd", "start with '/'"},
      {"a/", "end with '/'"},
      {"a//b", "empty segments"},
      {"..", "'..'"},
      {"a/../b", "'..'"},
      {"a/./b", "'.'"},
      {".", "'.'"},
      {"a\\b", "'\\'"},
      {std::string("a\0b", 3), "control"},
      {"a\nb", "control"},
      {"tab\there", "control"},
      {"del\x7f", "control"},
      {"\xff\xfe", "UTF-8"},
      {"\xc0\xaf", "UTF-8"},       // overlong '/'
      {"\xed\xa0\x80", "UTF-8"},   // a surrogate
      {"trunc\xe4\xb8", "UTF-8"},  // cut in the middle of a character
      {std::string(256, 'a'), "255 bytes"},
      {std::string(600, 'a') + "/" + std::string(200, 'b') + "/" + std::string(230, 'c'),
       "1024 bytes"},
  };
  for (const auto& [path, why] : bad) {
    const auto error = path_error(path);
    ASSERT_TRUE(error.has_value()) << path;
    EXPECT_NE(error->find(why), std::string::npos) << path << ": " << *error;
  }
}

TEST(ProjectPaths, Helpers) {
  EXPECT_EQ(base_name("src/app/main.py"), "main.py");
  EXPECT_EQ(base_name("main.py"), "main.py");
  EXPECT_TRUE(is_under("a/b", "a"));
  EXPECT_FALSE(is_under("ab", "a"));
  EXPECT_FALSE(is_under("a", "a"));
  EXPECT_EQ(moved_path("a/b/c", "a", "x/y"), "x/y/b/c");
}

TEST(ProjectTreeSnapshot, FoldersAreImpliedOrStoredAndNothingIsInsideAFile) {
  const ProjectTree tree({{1, "src/app/main.py"}, {2, "README.md"}}, {"docs/empty"});
  EXPECT_TRUE(tree.is_file("README.md"));
  EXPECT_TRUE(tree.is_folder("src"));
  EXPECT_TRUE(tree.is_folder("src/app"));
  EXPECT_TRUE(tree.is_folder("docs"));
  EXPECT_TRUE(tree.is_folder("docs/empty"));
  EXPECT_FALSE(tree.is_folder("src/app/main.py"));
  EXPECT_EQ(tree.conflict("README.md"), "README.md");
  EXPECT_EQ(tree.conflict("src"), "src");
  EXPECT_EQ(tree.conflict("docs/empty"), "docs/empty");
  EXPECT_EQ(tree.conflict("README.md/x"), "README.md");
  EXPECT_EQ(tree.conflict("src/app/main.py/x/y"), "src/app/main.py");
  EXPECT_EQ(tree.conflict("src/app/other.py"), std::nullopt);
  EXPECT_EQ(tree.conflict("srcx"), std::nullopt);
  ASSERT_EQ(tree.files_under("src").size(), 1u);
  EXPECT_EQ(tree.files_under("src")[0].id, 1);
  EXPECT_TRUE(tree.files_under("sr").empty());
}

class ProjectsTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    store_ = open();
    accounts_ = std::make_unique<Accounts>(*store_);
    projects_ = std::make_unique<Projects>(*store_);
    ann_ = accounts_->create_user("ann", "ann@example.com", "h");
    bob_ = accounts_->create_user("bob", "bob@example.com", "h");
    project_ = projects_->create_project(ann_.id, "demo", false);
  }

  FileInfo file(const std::string& path, const std::string& content = "") {
    return projects_->create_file(project_.id, {.path = path, .content = content}).value();
  }
  std::vector<std::string> paths() {
    std::vector<std::string> out;
    const Tree tree = projects_->tree(project_.id).value();
    for (const auto& f : tree.files) out.push_back(f.path);
    return out;
  }
  std::vector<std::string> folders() { return projects_->tree(project_.id)->folders; }

  std::unique_ptr<Store> store_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<Projects> projects_;
  User ann_;
  User bob_;
  ProjectInfo project_;
};

TEST_P(ProjectsTest, CreatesReadsUpdatesProjects) {
  EXPECT_EQ(project_.name, "demo");
  EXPECT_EQ(project_.owner_id, ann_.id);
  EXPECT_EQ(project_.owner_username, "ann");
  EXPECT_FALSE(project_.is_public);
  EXPECT_EQ(projects_->project(project_.id)->name, "demo");
  EXPECT_EQ(projects_->project(project_.id + 100), std::nullopt);
  ASSERT_TRUE(projects_->update_project(project_.id, {.name = "renamed"}));
  EXPECT_EQ(projects_->project(project_.id)->name, "renamed");
  EXPECT_FALSE(projects_->update_project(project_.id + 100, {.name = "x"}));
}

TEST_P(ProjectsTest, AccessFollowsTheDocumentRulesAndFilesTakeTheProjects) {
  const User cat = accounts_->create_user("cat", std::nullopt, "h");
  EXPECT_EQ(projects_->access(project_.id, ann_.id), Access::kOwner);
  EXPECT_EQ(projects_->access(project_.id, bob_.id), Access::kNone);
  EXPECT_EQ(projects_->access(project_.id + 100, bob_.id), std::nullopt);
  const FileInfo f = file("src/main.py", "print(1)\n");
  EXPECT_EQ(accounts_->access(f.id, ann_.id), Access::kOwner);
  EXPECT_EQ(accounts_->access(f.id, bob_.id), Access::kNone);

  projects_->set_member(project_.id, bob_.id, "viewer");
  EXPECT_EQ(projects_->access(project_.id, bob_.id), Access::kViewer);
  EXPECT_EQ(accounts_->access(f.id, bob_.id), Access::kViewer);
  projects_->set_member(project_.id, bob_.id, "editor");
  EXPECT_EQ(accounts_->access(f.id, bob_.id), Access::kEditor);
  ASSERT_EQ(projects_->members(project_.id).size(), 1u);
  EXPECT_EQ(projects_->members(project_.id)[0].username, "bob");
  EXPECT_EQ(projects_->members(project_.id)[0].role, "editor");

  // A document membership on the file's row does not count: the project decides.
  accounts_->set_member(f.id, cat.id, "editor");
  EXPECT_EQ(accounts_->access(f.id, cat.id), Access::kNone);
  ASSERT_TRUE(projects_->update_project(project_.id, {.is_public = true}));
  EXPECT_EQ(accounts_->access(f.id, cat.id), Access::kEditor);
  projects_->set_member(project_.id, cat.id, "viewer");  // an explicit viewer stays one
  EXPECT_EQ(accounts_->access(f.id, cat.id), Access::kViewer);

  EXPECT_TRUE(projects_->remove_member(project_.id, bob_.id));
  EXPECT_FALSE(projects_->remove_member(project_.id, bob_.id));
  EXPECT_EQ(projects_->access(project_.id, bob_.id), Access::kEditor);  // public
  EXPECT_THROW(projects_->set_member(project_.id, bob_.id, "owner"), StoreError);
}

TEST_P(ProjectsTest, ListsTheCallersProjectsNewestFirstInPages) {
  std::vector<int64_t> ids = {project_.id};
  for (int i = 0; i < 4; ++i) ids.push_back(projects_->create_project(ann_.id, "p", false).id);
  const auto other = projects_->create_project(bob_.id, "bob's", false);
  const auto shared = projects_->create_project(bob_.id, "shared", false);
  projects_->set_member(shared.id, ann_.id, "viewer");
  const auto pub = projects_->create_project(bob_.id, "public", true);

  const auto first = projects_->projects_for(ann_.id, std::nullopt, 3);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].first.id, pub.id);
  EXPECT_EQ(first[0].second, Access::kEditor);
  EXPECT_EQ(first[1].first.id, shared.id);
  EXPECT_EQ(first[1].second, Access::kViewer);
  EXPECT_EQ(first[2].first.id, ids[4]);
  EXPECT_EQ(first[2].second, Access::kOwner);
  const auto rest = projects_->projects_for(ann_.id, first.back().first.id, 100);
  ASSERT_EQ(rest.size(), 4u);
  EXPECT_EQ(rest.back().first.id, project_.id);
  for (const auto& [p, access] : rest) EXPECT_NE(p.id, other.id);
}

TEST_P(ProjectsTest, FilesAreDocumentsWithAPathUniquePerProject) {
  const FileInfo f = file("src/main.py", "print('hé')\n");
  EXPECT_EQ(f.path, "src/main.py");
  EXPECT_EQ(f.size, 13);  // UTF-8 bytes
  const auto doc = accounts_->document(f.id).value();
  EXPECT_EQ(doc.project_id, project_.id);
  EXPECT_EQ(doc.path, "src/main.py");
  EXPECT_EQ(doc.title, "main.py");
  EXPECT_EQ(doc.owner_id, ann_.id);
  EXPECT_EQ(store_->content(f.id), "print('hé')\n");
  try {
    file("src/main.py");
    FAIL() << "a duplicate path was accepted";
  } catch (const PathConflict& e) {
    EXPECT_EQ(e.path(), "src/main.py");
  }
  try {
    file("src/main.py/inner.py");
    FAIL() << "a file inside a file was accepted";
  } catch (const PathConflict& e) {
    EXPECT_EQ(e.path(), "src/main.py");
  }
  EXPECT_THROW(file("src"), PathConflict);  // a folder
  EXPECT_THROW(file("../escape"), InvalidPath);
  // The same path in another project is another file; standalone documents are not listed there.
  const auto other = projects_->create_project(ann_.id, "other", false);
  EXPECT_TRUE(projects_->create_file(other.id, {.path = "src/main.py"}).has_value());
  accounts_->create_document({.owner_id = ann_.id, .title = "loose.txt"});
  EXPECT_EQ(paths(), std::vector<std::string>{"src/main.py"});
  EXPECT_EQ(projects_->create_file(project_.id + 100, {.path = "x"}), std::nullopt);
  // The documents list shows standalone documents only.
  const auto listed = accounts_->documents_for(ann_.id);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].first.title, "loose.txt");
}

TEST_P(ProjectsTest, RenameKeepsTheDocument) {
  const FileInfo f = file("a/old.txt", "text");
  const auto moved = projects_->move_file(project_.id, f.id, "b/new.py", "python").value();
  EXPECT_EQ(moved.id, f.id);
  EXPECT_EQ(moved.path, "b/new.py");
  EXPECT_EQ(moved.language, "python");
  EXPECT_EQ(accounts_->document(f.id)->title, "new.py");
  EXPECT_EQ(store_->content(f.id), "text");
  EXPECT_EQ(paths(), std::vector<std::string>{"b/new.py"});
  EXPECT_EQ(folders(), std::vector<std::string>{"b"});  // "a" was implied only by the file
  // Into its own former folder name, onto itself, onto others.
  file("c.txt");
  EXPECT_THROW(projects_->move_file(project_.id, f.id, "c.txt", std::nullopt), PathConflict);
  EXPECT_THROW(projects_->move_file(project_.id, f.id, "c.txt/x", std::nullopt), PathConflict);
  EXPECT_THROW(projects_->move_file(project_.id, f.id, "a\\b", std::nullopt), InvalidPath);
  EXPECT_TRUE(projects_->move_file(project_.id, f.id, "b/new.py", std::nullopt).has_value());
  EXPECT_THROW(projects_->move_file(project_.id, f.id, "b/../x", std::nullopt), InvalidPath);
  const auto other = projects_->create_project(ann_.id, "other", false);
  EXPECT_EQ(projects_->move_file(other.id, f.id, "x", std::nullopt), std::nullopt);
}

TEST_P(ProjectsTest, FoldersAreStoredWhenEmptyAndMoveWithEverythingUnderThem) {
  const FileInfo a = file("src/app/main.py");
  const FileInfo b = file("src/lib.py");
  const FileInfo c = file("srcx/other.py");
  ASSERT_TRUE(projects_->create_folder(project_.id, "src/empty"));
  ASSERT_TRUE(projects_->create_folder(project_.id, "docs"));
  EXPECT_THROW(projects_->create_folder(project_.id, "docs"), PathConflict);
  EXPECT_THROW(projects_->create_folder(project_.id, "src/app"), PathConflict);
  EXPECT_THROW(projects_->create_folder(project_.id, "src/lib.py"), PathConflict);
  EXPECT_THROW(projects_->create_folder(project_.id, "src/lib.py/x"), PathConflict);
  EXPECT_EQ(folders(), (std::vector<std::string>{"docs", "src", "src/app", "src/empty", "srcx"}));
  EXPECT_EQ(projects_->tree(project_.id)->stored_folders,
            (std::vector<std::string>{"docs", "src/empty"}));

  const auto moved = projects_->move_folder(project_.id, "src", "lib/code").value();
  EXPECT_EQ(moved.size(), 2u);
  EXPECT_EQ(accounts_->document(a.id)->path, "lib/code/app/main.py");
  EXPECT_EQ(accounts_->document(b.id)->path, "lib/code/lib.py");
  EXPECT_EQ(accounts_->document(c.id)->path, "srcx/other.py");
  EXPECT_EQ(projects_->tree(project_.id)->stored_folders,
            (std::vector<std::string>{"docs", "lib/code/empty"}));

  // Refused moves change nothing.
  EXPECT_THROW(projects_->move_folder(project_.id, "lib", "lib/inner"), InvalidPath);
  EXPECT_THROW(projects_->move_folder(project_.id, "lib", "srcx"), PathConflict);
  EXPECT_THROW(projects_->move_folder(project_.id, "lib", "srcx/other.py/x"), PathConflict);
  EXPECT_EQ(projects_->move_folder(project_.id, "nope", "x"), std::nullopt);
  // A move that would make one path too long is refused whole.
  const std::string deep = std::string(250, 'd') + "/" + std::string(250, 'e');
  file("lib/" + deep + "/" + std::string(250, 'f'));
  EXPECT_THROW(projects_->move_folder(project_.id, "lib",
                                      std::string(250, 'x') + "/" + std::string(250, 'y')),
               InvalidPath);
  EXPECT_EQ(accounts_->document(a.id)->path, "lib/code/app/main.py");
  // An empty stored folder moves too.
  EXPECT_TRUE(projects_->move_folder(project_.id, "docs", "documentation").has_value());
  EXPECT_EQ(projects_->tree(project_.id)->stored_folders,
            (std::vector<std::string>{"documentation", "lib/code/empty"}));
}

TEST_P(ProjectsTest, DeletingFoldersFilesAndProjectsTakesTheirDocuments) {
  const FileInfo a = file("src/app/main.py", "a");
  const FileInfo b = file("src/lib.py", "b");
  const FileInfo c = file("README.md", "c");
  ASSERT_TRUE(projects_->create_folder(project_.id, "src/empty"));
  store_->append_updates({{a.id, std::make_shared<const Bytes>(Bytes{0, 0})}});

  EXPECT_EQ(projects_->delete_folder(project_.id, "nope"), std::nullopt);
  const auto deleted = projects_->delete_folder(project_.id, "src").value();
  EXPECT_EQ(deleted.size(), 2u);
  EXPECT_FALSE(store_->document_exists(a.id));
  EXPECT_FALSE(store_->document_exists(b.id));
  EXPECT_EQ(paths(), std::vector<std::string>{"README.md"});
  EXPECT_TRUE(projects_->tree(project_.id)->stored_folders.empty());

  EXPECT_FALSE(projects_->delete_file(project_.id + 100, c.id));
  const auto other = projects_->create_project(ann_.id, "other", false);
  EXPECT_FALSE(projects_->delete_file(other.id, c.id));  // not its file
  const FileInfo d = file("d.txt");
  EXPECT_TRUE(projects_->delete_file(project_.id, d.id));
  EXPECT_FALSE(store_->document_exists(d.id));

  projects_->set_member(project_.id, bob_.id, "editor");
  const auto gone = projects_->delete_project(project_.id).value();
  EXPECT_EQ(gone, std::vector<int64_t>{c.id});
  EXPECT_FALSE(store_->document_exists(c.id));
  EXPECT_EQ(projects_->project(project_.id), std::nullopt);
  EXPECT_EQ(projects_->delete_project(project_.id), std::nullopt);
  EXPECT_EQ(projects_->tree(project_.id), std::nullopt);
}

TEST_P(ProjectsTest, AProjectHoldsAtMostItsLimitOfFiles) {
  Projects small(*store_, 2);
  ASSERT_TRUE(small.create_file(project_.id, {.path = "a"}).has_value());
  ASSERT_TRUE(small.create_file(project_.id, {.path = "b"}).has_value());
  EXPECT_THROW(small.create_file(project_.id, {.path = "c"}), ProjectFull);
  EXPECT_THROW(small.create_file(project_.id, {.path = "a"}), PathConflict);  // named first
  EXPECT_TRUE(small.create_folder(project_.id, "d"));                         // folders are free
  const auto other = projects_->create_project(ann_.id, "other", false);      // per project
  EXPECT_TRUE(small.create_file(other.id, {.path = "c"}).has_value());
}

TEST_P(ProjectsTest, AnImportLandsWholeOrNotAtAll) {
  file("src/app.py", "keep");
  const auto import_of = [](std::vector<std::string> files, std::vector<std::string> folders) {
    Import im;
    for (auto& f : files) im.files.push_back({.path = f, .content = "text of " + f});
    im.folders = std::move(folders);
    return im;
  };
  // Each refusal names the path, and leaves the tree as it was (the files before it included).
  const auto refused = [&](const Import& im, const std::string& named) {
    try {
      projects_->import_files(project_.id, im);
      ADD_FAILURE() << "imported, but " << named << " should have been refused";
    } catch (const PathConflict& e) {
      EXPECT_EQ(e.path(), named);
    }
    EXPECT_EQ(paths(), std::vector<std::string>{"src/app.py"});
  };
  refused(import_of({"a.txt", "src/app.py"}, {}), "src/app.py");
  refused(import_of({"a.txt", "src/app.py/inside"}, {}), "src/app.py");
  refused(import_of({"a.txt", "b", "b"}, {}), "b");
  refused(import_of({"a.txt", "c", "c/d"}, {}), "c");
  refused(import_of({"a.txt"}, {"src/app.py"}), "src/app.py");
  EXPECT_THROW(projects_->import_files(project_.id, import_of({"ok", "../x"}, {})), InvalidPath);
  Projects small(*store_, 3);
  EXPECT_THROW(small.import_files(project_.id, import_of({"x", "y", "z"}, {})), ProjectFull);
  EXPECT_EQ(paths(), std::vector<std::string>{"src/app.py"});
  EXPECT_EQ(projects_->import_files(project_.id + 100, import_of({"x"}, {})), std::nullopt);

  const auto created = projects_->import_files(
      project_.id,
      import_of({"src/lib/a.py", "README.md"}, {"src", "src/lib", "docs/empty", "src"}));
  ASSERT_TRUE(created.has_value());
  ASSERT_EQ(created->size(), 2u);
  EXPECT_EQ((*created)[0].path, "src/lib/a.py");
  for (const auto& f : projects_->file_texts(project_.id)) {
    if (f.path != "src/app.py") {
      EXPECT_EQ(f.content, "text of " + f.path);
    }
  }
  EXPECT_EQ(paths(), (std::vector<std::string>{"README.md", "src/app.py", "src/lib/a.py"}));
  // Only the folder no file lies in is stored.
  EXPECT_EQ(projects_->tree(project_.id)->stored_folders, std::vector<std::string>{"docs/empty"});
}

TEST_P(ProjectsTest, UsageCountsFilesAndTheirStoredBytes) {
  EXPECT_EQ(projects_->usage(project_.id + 100), std::nullopt);
  EXPECT_EQ(projects_->usage(project_.id)->files, 0u);
  EXPECT_EQ(projects_->usage(project_.id)->bytes, 0u);
  file("a.txt", "héllo");  // 6 bytes of UTF-8
  file("b/c.txt", "12345");
  const auto u = projects_->usage(project_.id).value();
  EXPECT_EQ(u.files, 2u);
  EXPECT_EQ(u.bytes, 11u);
  size_t from_tree = 0;
  const Tree tree = projects_->tree(project_.id).value();
  for (const auto& f : tree.files) from_tree += static_cast<size_t>(f.size);
  EXPECT_EQ(u.bytes, from_tree);
}

TEST_P(ProjectsTest, ConcurrentWritersOfOneTreeAreSerialized) {
  // Two connections (two instances) create the same paths, and files inside each other's, at
  // once: exactly one of each pair wins, and no file ends up inside another.
  auto second = open();
  Projects theirs(*second);
  constexpr int kPaths = 20;
  std::atomic<int> won = 0;
  std::atomic<int> lost = 0;
  const auto writer = [&](Projects& p, bool nested) {
    for (int i = 0; i < kPaths; ++i) {
      const std::string path = "f" + std::to_string(i) + (nested ? "/inner.txt" : "");
      try {
        p.create_file(project_.id, {.path = path});
        ++won;
      } catch (const PathConflict&) {
        ++lost;
      }
    }
  };
  std::thread other([&] { writer(theirs, true); });
  writer(*projects_, false);
  other.join();
  EXPECT_EQ(won, kPaths);
  EXPECT_EQ(lost, kPaths);
  const auto tree = projects_->tree(project_.id).value();
  EXPECT_EQ(tree.files.size(), static_cast<size_t>(kPaths));
  for (const auto& f : tree.files) {
    const std::string top = f.path.substr(0, f.path.find('/'));
    EXPECT_EQ(std::count(tree.folders.begin(), tree.folders.end(), top), f.path == top ? 0 : 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Adapters, ProjectsTest, ::testing::ValuesIn(testing::all_backends()),
                         testing::backend_name);

}  // namespace
}  // namespace store
