// project_tree.cpp — path rules and the tree snapshot of project_tree.hpp. Building a snapshot is
// O(n log n) in the files and their path segments; each query after is O(log n) (files_under is
// O(n)), which projects.cpp pays once per change of a tree.
#include "store/project_tree.hpp"

#include <algorithm>

namespace store {

namespace {

// Structurally valid UTF-8 (no overlong forms, surrogates or code points beyond U+10FFFF).
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const uint32_t min = extra == 1 ? 0x80 : extra == 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace

std::optional<std::string> path_error(std::string_view path) {
  if (path.empty()) return "a path must not be empty";
  if (path.size() > kMaxPathBytes)
    return "a path must be at most " + std::to_string(kMaxPathBytes) + " bytes";
  if (!valid_utf8(path)) return "a path must be UTF-8";
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return "a path must not contain control characters";
    if (c == '\\') return "a path must not contain '\\' (folders are separated by '/')";
  }
  if (path.front() == '/') return "a path must not start with '/'";
  if (path.back() == '/') return "a path must not end with '/'";
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, slash - start);
    if (segment.empty()) return "a path must not contain empty segments ('//')";
    if (segment == "..") return "a path must not contain '..' segments";
    if (segment == ".") return "a path must not contain '.' segments";
    if (segment.size() > kMaxPathSegmentBytes)
      return "each part of a path must be at most " + std::to_string(kMaxPathSegmentBytes) +
             " bytes";
    start = slash + 1;
  }
  return std::nullopt;
}

std::string_view base_name(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_under(std::string_view path, std::string_view folder) {
  return path.size() > folder.size() + 1 && path.substr(0, folder.size()) == folder &&
         path[folder.size()] == '/';
}

std::string moved_path(std::string_view path, std::string_view from, std::string_view to) {
  return std::string(to) + std::string(path.substr(from.size()));
}

ProjectTree::ProjectTree(std::vector<TreeFile> files,
                         const std::vector<std::string>& stored_folders)
    : files_(std::move(files)) {
  std::sort(files_.begin(), files_.end(),
            [](const TreeFile& a, const TreeFile& b) { return a.path < b.path; });
  // A path and all its prefixes at a '/' (the folder itself when `include_self`).
  const auto add_folders = [this](std::string_view path, bool include_self) {
    size_t slash = path.find('/');
    while (slash != std::string_view::npos) {
      folders_.emplace(path.substr(0, slash));
      slash = path.find('/', slash + 1);
    }
    if (include_self) folders_.emplace(path);
  };
  for (const auto& f : files_) {
    file_paths_.insert(f.path);
    add_folders(f.path, false);
  }
  for (const auto& folder : stored_folders) add_folders(folder, true);
}

std::optional<std::string> ProjectTree::conflict(std::string_view path) const {
  if (is_file(path) || is_folder(path)) return std::string(path);
  size_t slash = path.find('/');
  while (slash != std::string_view::npos) {
    if (is_file(path.substr(0, slash))) return std::string(path.substr(0, slash));
    slash = path.find('/', slash + 1);
  }
  return std::nullopt;
}

std::vector<TreeFile> ProjectTree::files_under(std::string_view folder) const {
  std::vector<TreeFile> out;
  for (const auto& f : files_) {
    if (is_under(f.path, folder)) out.push_back(f);
  }
  return out;
}

}  // namespace store
