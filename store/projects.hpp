// projects.hpp — projects, their members and their file trees (DESIGN.md §7, wave 2 · 3), written
// once over the Sql primitive (Store::transact) like accounts.hpp.
//
// A project has a name, an owner, members (editor | viewer) and optional public access, with the
// rules of documents (Accounts::access): owner; else the member's role; else editor when public;
// else none. A file is a document with `project_id` and `path` set; a file's access is its
// project's (Accounts::access reads the project for such a document), so the WebSocket and the
// document routes follow the project. Documents made before projects stay standalone
// (project_id NULL) with their own members.
//
// The tree's invariants are those of project_tree.hpp. Every change of a tree locks the project's
// row (SQLite: the write transaction; PostgreSQL: FOR NO KEY UPDATE), reads the whole tree, checks
// the change against it and writes it, all in one transaction: so the checks hold under
// concurrency (two instances creating "a" and "a/b" at once) and a folder move is all or nothing.
// Reading the tree is O(files of the project) per change, which a change of a 10,000-file tree
// pays in a few milliseconds.
//
// Errors: PathConflict (409) and InvalidPath (400) below, StoreError otherwise.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/accounts.hpp"
#include "store/project_tree.hpp"
#include "store/store.hpp"

namespace store {

// A change would put a file or folder where one is (`path()`: the path that is taken, which may be
// an ancestor file of the path asked for).
class PathConflict : public StoreError {
 public:
  explicit PathConflict(std::string path)
      : StoreError("path conflict: " + path), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A path breaks the rules of project_tree.hpp (also one that a folder move would make).
class InvalidPath : public StoreError {
 public:
  InvalidPath(std::string path, std::string reason)
      : StoreError("invalid path: " + reason), path_(std::move(path)), reason_(std::move(reason)) {}
  const std::string& path() const { return path_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string path_;
  std::string reason_;
};

// A project holds its limit of files (Projects' max_files) already.
class ProjectFull : public StoreError {
 public:
  explicit ProjectFull(size_t max_files)
      : StoreError("a project holds at most " + std::to_string(max_files) + " files"),
        max_files_(max_files) {}
  size_t max_files() const { return max_files_; }

 private:
  size_t max_files_;
};

struct ProjectInfo {
  int64_t id = 0;
  std::string name{};
  bool is_public = false;
  int64_t owner_id = 0;
  std::string owner_username{};
  std::string created_at{};
  std::string updated_at{};
};

struct ProjectPatch {
  std::optional<std::string> name{};
  std::optional<bool> is_public{};
};

// A file as the tree lists it. `size` is the UTF-8 bytes of the stored text snapshot
// (documents.content, as of the file's last compaction), not of live edits since.
struct FileInfo {
  int64_t id = 0;
  std::string path{};
  std::string language{};
  int64_t size = 0;
  std::string updated_at{};
};

struct Tree {
  std::vector<FileInfo> files{};              // by path
  std::vector<std::string> folders{};         // every folder, stored or implied, by path
  std::vector<std::string> stored_folders{};  // those created explicitly, by path
};

struct NewFile {
  std::string path{};
  std::string language = "plaintext";
  std::optional<Bytes> yjs_state{};  // initial state, as for NewDocument
  std::string content{};
};

// A file's stored text: the snapshot of its last compaction, and whether updates were logged since
// (then the text is the merged state and log, Store::load).
struct FileText {
  int64_t id = 0;
  std::string path{};
  std::string content{};
  bool logged = false;
};

// What POST /api/projects/{id}/import adds: files and (possibly empty) folders.
struct Import {
  std::vector<NewFile> files{};
  std::vector<std::string> folders{};
};

// A live connection to a file of a project.
struct FileSession {
  int64_t document_id = 0;
  int64_t user_id = 0;
};

class Projects {
 public:
  explicit Projects(Store& store, size_t max_files = kMaxProjectFiles)
      : store_(store), max_files_(max_files) {}

  ProjectInfo create_project(int64_t owner_id, const std::string& name, bool is_public);
  std::optional<ProjectInfo> project(int64_t id);
  // As Accounts::access for documents; nullopt when there is no such project.
  std::optional<Access> access(int64_t project_id, int64_t user_id);
  // The projects the user owns, is a member of, or that are public, newest first (by id), at most
  // `limit`, those with ids below `before` when set.
  std::vector<std::pair<ProjectInfo, Access>> projects_for(int64_t user_id,
                                                           std::optional<int64_t> before,
                                                           size_t limit);
  // Applies the set fields and bumps updated_at; false when there is no such project.
  bool update_project(int64_t id, const ProjectPatch& patch);
  // Deletes the project with its files (and their logs, versions, sessions), members and
  // folders. Returns the ids of the files deleted; nullopt when there was no such project.
  std::optional<std::vector<int64_t>> delete_project(int64_t id);

  // Members other than the owner, by username; set and remove as Accounts' document members.
  std::vector<MemberInfo> members(int64_t project_id);
  void set_member(int64_t project_id, int64_t user_id, const std::string& role);
  bool remove_member(int64_t project_id, int64_t user_id);

  // Files and folders; nullopt when there is no such project.
  std::optional<Tree> tree(int64_t project_id);
  // The project's files: how many, and the UTF-8 bytes of their stored texts together (as
  // FileInfo::size counts them). nullopt when there is no such project.
  struct Usage {
    size_t files = 0;
    size_t bytes = 0;
  };
  std::optional<Usage> usage(int64_t project_id);
  // Ids of the project's files.
  std::vector<int64_t> file_ids(int64_t project_id);
  // Every file's stored text, by path (search and export read them all).
  std::vector<FileText> file_texts(int64_t project_id);
  // Open WebSocket sessions on the project's files.
  std::vector<FileSession> open_sessions(int64_t project_id);

  // Creates a file (a document owned by the project's owner, titled by its base name). nullopt
  // when there is no such project. Throws InvalidPath, PathConflict, ProjectFull.
  std::optional<FileInfo> create_file(int64_t project_id, const NewFile& file);
  // Renames / moves file `document_id` of the project to `path` (the document and its id stay;
  // its title becomes the new base name; its language becomes `language` when set). nullopt
  // when the project has no such file. Throws InvalidPath, PathConflict.
  std::optional<FileInfo> move_file(int64_t project_id, int64_t document_id,
                                    const std::string& path,
                                    const std::optional<std::string>& language);
  // False when the project has no such file.
  bool delete_file(int64_t project_id, int64_t document_id);

  // Adds every file and folder of `import` in one transaction, or nothing. Returns the files
  // created, in the import's order; nullopt when there is no such project. A folder that exists
  // already is left as it is; a stored folder is kept only when no file lies in it. Throws
  // InvalidPath, PathConflict (a path the project has, or the import names twice, or one under a
  // file), ProjectFull (the project would hold more than its limit of files).
  std::optional<std::vector<TreeFile>> import_files(int64_t project_id, const Import& import);

  // Stores an (empty) folder; false when there is no such project. Throws InvalidPath,
  // PathConflict.
  bool create_folder(int64_t project_id, const std::string& path);
  // Moves folder `from` (stored or implied) with every file and folder under it to `to`, in one
  // transaction. Returns the files moved with their new paths; nullopt when there is no such
  // project or folder. Throws InvalidPath (also when `to` lies in `from`, or a moved path would be
  // too long), PathConflict (`to` is taken, or lies under a file).
  std::optional<std::vector<TreeFile>> move_folder(int64_t project_id, const std::string& from,
                                                   const std::string& to);
  // Deletes folder `path` with every file and folder under it. Returns the ids of the files
  // deleted; nullopt when there is no such project or folder.
  std::optional<std::vector<int64_t>> delete_folder(int64_t project_id, const std::string& path);

 private:
  Store& store_;
  size_t max_files_;
};

}  // namespace store
