// archive.hpp — reading an uploaded .zip or .tar.gz for POST /api/projects/{id}/import, with
// libarchive (its zip and tar readers and gzip filter only; nothing is written to disk).
//
// Safety is decided here, before anything reaches the store:
// - a name that is absolute or has a `..` segment is refused (Refused "unsafe_path"), as are
//   symbolic links, hard links and device or FIFO entries ("link"): nothing of the archive may
//   point outside it or at another entry;
// - the work is bounded while reading, not by what the archive declares: at most `max_files`
//   text files and 4 × as many entries, at most `max_file_bytes` in one text file and
//   `max_total_bytes` of decompressed data in all (a zip or gzip bomb stops at the limit);
// - binary files (a NUL byte, or not UTF-8) are not imported: they are listed in `skipped`, as
//   are macOS metadata entries (`__MACOSX/…`, `.DS_Store`). Text files only, since every file of a
//   project is a collaborative text.
// Names lose a leading "./" and a directory's trailing "/"; other path rules (length, control
// characters, …) are the project tree's (store::path_error), checked by the caller.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace weft::archive {

struct Limits {
  size_t max_files = 20'000;
  size_t max_file_bytes = 8u << 20;
  size_t max_total_bytes = 64u << 20;
};

struct File {
  std::string path{};
  std::string data{};
};

struct Skipped {
  std::string path{};
  std::string reason{};  // "binary" | "metadata"
};

struct Contents {
  std::vector<File> files{};           // in archive order
  std::vector<std::string> folders{};  // directory entries, in archive order
  std::vector<Skipped> skipped{};
};

// Why an archive is refused as a whole. `code`: "unsupported_archive" (not a zip or tar.gz, or
// corrupt), "unsafe_path", "link", "too_many_files", "file_too_large", "archive_too_large".
// `path`: the entry concerned (empty when none).
class Refused : public std::runtime_error {
 public:
  Refused(std::string code, std::string path, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)), path_(std::move(path)) {}
  const std::string& code() const { return code_; }
  const std::string& path() const { return path_; }

 private:
  std::string code_;
  std::string path_;
};

// The archive's text files, folders and skipped entries. Throws Refused.
Contents read(std::string_view bytes, const Limits& limits);

}  // namespace weft::archive
