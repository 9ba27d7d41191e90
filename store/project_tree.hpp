// project_tree.hpp — the rules of a project's file tree, as pure functions over a snapshot of it.
//
// A project holds files (documents with a path) and folders. Invariants, kept by projects.cpp,
// which checks every change against a snapshot read under the project's row lock:
//   - a path is valid (path_error): 1–1024 bytes of UTF-8, segments separated by '/', each 1–255
//     bytes; no leading or trailing '/', no empty, "." or ".." segment, no backslash, no control
//     character (U+0000–U+001F, U+007F). Anything else — spaces, quotes, SQL, HTML, any script —
//     is kept verbatim;
//   - no two files share a path;
//   - a folder is every proper prefix (at a '/') of a file's path, plus every folder stored
//     explicitly (project_folders), which exists even when empty, and its prefixes;
//   - no path is both a file and a folder, so no file lies "inside" another file.
// Paths compare byte for byte (case-sensitive, no Unicode normalization), as git does.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace store {

inline constexpr size_t kMaxPathBytes = 1024;
inline constexpr size_t kMaxPathSegmentBytes = 255;
// Files one project may hold (Projects' default; the tree is read whole on every change).
inline constexpr size_t kMaxProjectFiles = 20000;

// nullopt when `path` may name a file or a folder; otherwise why not, as a sentence that names the
// path's fault ("a path must not contain '..' segments").
std::optional<std::string> path_error(std::string_view path);

// The last segment of a path ("src/app/main.py" → "main.py").
std::string_view base_name(std::string_view path);

// `path` moved from under folder `from` to under folder `to`: "a/b/c" with a → x/y is "x/y/b/c".
// `path` must be `from` or lie under it.
std::string moved_path(std::string_view path, std::string_view from, std::string_view to);

// True when `path` lies strictly under folder `folder` ("a/b" is under "a", "ab" is not).
bool is_under(std::string_view path, std::string_view folder);

struct TreeFile {
  int64_t id = 0;
  std::string path{};
};

// A snapshot of a project's tree: its files and stored folders.
class ProjectTree {
 public:
  ProjectTree(std::vector<TreeFile> files, const std::vector<std::string>& stored_folders);

  size_t file_count() const { return files_.size(); }
  bool is_file(std::string_view path) const { return file_paths_.count(std::string(path)) > 0; }
  // Stored or implied by a file's path.
  bool is_folder(std::string_view path) const { return folders_.count(std::string(path)) > 0; }
  // The path that keeps a new file or folder from being put at `path`: `path` itself when a file
  // or folder is there already, or the nearest ancestor that is a file. nullopt when it is free.
  std::optional<std::string> conflict(std::string_view path) const;
  // Files under `folder`, by path.
  std::vector<TreeFile> files_under(std::string_view folder) const;
  const std::set<std::string>& folders() const { return folders_; }

 private:
  std::vector<TreeFile> files_;
  std::set<std::string> file_paths_;
  std::set<std::string> folders_;
};

}  // namespace store
