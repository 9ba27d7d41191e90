// archive.cpp — see archive.hpp.
#include "server/projects/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

#include <memory>

#include "crdt/lib0.hpp"

namespace weft::archive {

namespace {

struct Closer {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

// libarchive converts names between the archive's charset and the thread's locale, and fails on
// every non-ASCII name in the "C" locale a server runs in. While reading, this thread's LC_CTYPE is
// C.UTF-8 (uselocale: this thread only), so names arrive as UTF-8.
class Utf8Names {
 public:
  Utf8Names() : utf8_(newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr))) {
    if (utf8_) previous_ = uselocale(utf8_);
  }
  ~Utf8Names() {
    if (!utf8_) return;
    uselocale(previous_);
    freelocale(utf8_);
  }
  Utf8Names(const Utf8Names&) = delete;
  Utf8Names& operator=(const Utf8Names&) = delete;

 private:
  locale_t utf8_;
  locale_t previous_ = nullptr;
};

// "./src/a.py" → "src/a.py"; "src/" → "src". Empty for "." or "./".
std::string normalize(std::string name) {
  while (name.rfind("./", 0) == 0) name.erase(0, 2);
  while (!name.empty() && name.back() == '/') name.pop_back();
  if (name == ".") name.clear();
  return name;
}

bool unsafe(std::string_view name) {
  if (name.empty()) return false;
  if (name.front() == '/' || name.front() == '\\') return true;
  if (name.size() >= 2 && name[1] == ':') return true;  // C:\…
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find_first_of("/\\", start);
    if (end == std::string_view::npos) end = name.size();
    if (name.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

bool metadata(std::string_view name) {
  if (name == "__MACOSX" || name.rfind("__MACOSX/", 0) == 0) return true;
  const size_t slash = name.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  return base == ".DS_Store" || base.rfind("._", 0) == 0;
}

[[noreturn]] void corrupt(struct archive* a, const std::string& path) {
  const char* why = archive_error_string(a);
  throw Refused("unsupported_archive", path,
                (path.empty() ? std::string("the archive") : "'" + path + "'") +
                    " could not be read: " + (why ? why : "unknown error") +
                    " (expected a .zip or a .tar.gz)");
}

}  // namespace

Contents read(std::string_view bytes, const Limits& limits) {
  const Utf8Names utf8;
  std::unique_ptr<struct archive, Closer> a(archive_read_new());
  if (!a) throw std::bad_alloc();
  archive_read_support_format_zip(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_gzip(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    corrupt(a.get(), "");

  Contents out;
  size_t entries = 0;
  size_t total = 0;
  struct archive_entry* entry = nullptr;
  while (true) {
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) corrupt(a.get(), "");
    const char* raw = archive_entry_pathname_utf8(entry);
    if (!raw) raw = archive_entry_pathname(entry);
    if (!raw) {
      throw Refused("unsupported_archive", "",
                    "an entry's name could not be read as UTF-8 (expected a .zip or a .tar.gz)");
    }
    std::string name = raw;
    if (++entries > 4 * limits.max_files + 16) {
      throw Refused(
          "too_many_files", "",
          "the archive has more than " + std::to_string(4 * limits.max_files + 16) + " entries");
    }
    // Checked before and after the "./" prefixes go: ".//etc/passwd" is absolute once they do
    // (found by fuzz_archive).
    if (unsafe(name) || unsafe(normalize(name))) {
      throw Refused("unsafe_path", name,
                    "'" + name + "' points outside the project (absolute, or with '..')");
    }
    name = normalize(std::move(name));
    const mode_t type = archive_entry_filetype(entry);
    if (type == AE_IFLNK || archive_entry_hardlink(entry) != nullptr) {
      throw Refused("link", name, "'" + name + "' is a link; archives with links are refused");
    }
    if (name.empty()) continue;  // the archive's "./"
    if (metadata(name)) {
      if (type != AE_IFDIR) out.skipped.push_back({name, "metadata"});
      continue;
    }
    if (type == AE_IFDIR) {
      out.folders.push_back(std::move(name));
      continue;
    }
    if (type != AE_IFREG) {
      throw Refused("link", name, "'" + name + "' is not a regular file or folder");
    }
    std::string data;
    char buf[64 * 1024];
    bool binary = false;
    while (true) {
      const la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
      if (n < 0) corrupt(a.get(), name);
      if (n == 0) break;
      total += static_cast<size_t>(n);
      if (total > limits.max_total_bytes) {
        throw Refused("archive_too_large", name,
                      "the archive holds more than " + std::to_string(limits.max_total_bytes) +
                          " bytes once decompressed");
      }
      if (binary) continue;  // read on only to bound the work
      data.append(buf, static_cast<size_t>(n));
      if (data.find('\0') != std::string::npos) {
        binary = true;
        data.clear();
        data.shrink_to_fit();
        continue;
      }
      if (data.size() > limits.max_file_bytes) {
        throw Refused("file_too_large", name,
                      "'" + name + "' is larger than a file may be (" +
                          std::to_string(limits.max_file_bytes) + " bytes)");
      }
    }
    if (binary || !crdt::is_valid_utf8(data)) {
      out.skipped.push_back({std::move(name), "binary"});
      continue;
    }
    if (out.files.size() >= limits.max_files) {
      throw Refused(
          "too_many_files", name,
          "the archive has more than " + std::to_string(limits.max_files) + " text files");
    }
    out.files.push_back({std::move(name), std::move(data)});
  }
  return out;
}

}  // namespace weft::archive
